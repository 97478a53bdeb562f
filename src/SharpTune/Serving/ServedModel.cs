using SharpTune.Models.Llama;

namespace SharpTune.Serving;

/// <summary>
/// One model copy in the serving pool: the base weights with one adapter attached unmerged, or none. Requests on the
/// same copy run one at a time. Requests on different copies run in parallel, so no adapter's weights ever take
/// part in another adapter's forward pass.
/// </summary>
public sealed class ServedModel
{
    readonly SemaphoreSlim _gate = new(1, 1);
    int _users;
    bool _evicted;

    public ServedModel(string name, LlamaForCausalLM model)
    {
        Name = name;
        Model = model;
    }

    public string Name { get; }
    public LlamaForCausalLM Model { get; }

    /// <summary>Runs <paramref name="work"/> with exclusive use of the model.</summary>
    public async Task<T> RunAsync<T>(Func<LlamaForCausalLM, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => work(Model), cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Reference counting lets the pool evict a copy while a request still uses it; the last user disposes it.
    internal void AddUser()
    {
        lock (this)
            _users++;
    }

    internal void RemoveUser()
    {
        lock (this)
        {
            _users--;
            if (_users == 0 && _evicted)
                Model.Dispose();
        }
    }

    internal void Evict()
    {
        lock (this)
        {
            _evicted = true;
            if (_users == 0)
                Model.Dispose();
        }
    }
}
