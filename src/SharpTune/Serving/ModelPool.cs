using Microsoft.Extensions.Logging;
using SharpTune.Mechanisms;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Serving;

/// <summary>
/// The base model and the named adapters a server offers. Adapters load on first use into their own model copy
/// and stay cached up to <c>maxLoaded</c> copies, least recently used first out; the base copy is never evicted.
/// </summary>
public sealed class ModelPool : IDisposable
{
    readonly string _baseDir;
    readonly int _maxLoaded;
    readonly ILogger? _logger;
    readonly Dictionary<string, string> _adapterDirs = new(StringComparer.Ordinal);
    readonly LinkedList<ServedModel> _loaded = new(); // Most recently used first.
    readonly Lock _lock = new();
    readonly ServedModel _base;

    public ModelPool(string baseDir, string baseName, IReadOnlyDictionary<string, string> adapters, int maxLoaded, ILogger? logger = null)
    {
        if (maxLoaded < 1)
            throw new SharpTuneInputException($"--max-loaded-adapters: must be at least 1, got {maxLoaded}");
        _baseDir = baseDir;
        _maxLoaded = maxLoaded;
        _logger = logger;
        BaseName = baseName;
        _base = new ServedModel(baseName, PretrainedModel.Load(baseDir, ScalarType.Float32, CPU));
        foreach (var (name, dir) in adapters)
            Add(name, dir);
    }

    public string BaseName { get; }

    /// <summary>The base model's name followed by every registered adapter name.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
                return [BaseName, .. _adapterDirs.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Registers an adapter folder under <paramref name="name"/>; it loads on first request.</summary>
    public void Add(string name, string dir)
    {
        if (name == BaseName || string.IsNullOrWhiteSpace(name))
            throw new SharpTuneInputException($"adapter name '{name}' is empty or equals the base model's name");
        if (!Directory.Exists(dir))
            throw SharpTuneInputException.At(dir, null, name, "adapter folder not found");
        lock (_lock)
        {
            if (_adapterDirs.ContainsKey(name))
                throw new SharpTuneInputException($"adapter '{name}' is already registered; remove it first");
            _adapterDirs[name] = dir;
        }
    }

    /// <summary>Unregisters an adapter and drops its cached copy; returns false when the name is unknown.</summary>
    public bool Remove(string name)
    {
        lock (_lock)
        {
            if (!_adapterDirs.Remove(name))
                return false;
            var cached = _loaded.FirstOrDefault(m => m.Name == name);
            if (cached is not null)
            {
                _loaded.Remove(cached);
                cached.Evict();
            }
            return true;
        }
    }

    /// <summary>
    /// Returns the model copy for <paramref name="name"/>, loading the adapter if needed, or null when the name is
    /// unknown. The caller must call <see cref="Release"/> when done.
    /// </summary>
    public ServedModel? Acquire(string name)
    {
        if (name == BaseName)
        {
            _base.AddUser();
            return _base;
        }

        string dir;
        lock (_lock)
        {
            if (!_adapterDirs.TryGetValue(name, out dir!))
                return null;
            var cached = _loaded.FirstOrDefault(m => m.Name == name);
            if (cached is not null)
            {
                _loaded.Remove(cached);
                _loaded.AddFirst(cached);
                cached.AddUser();
                return cached;
            }
        }

        // Loading runs outside the lock so that other adapters keep serving. A second request for the same
        // adapter meanwhile loads its own copy, and only the first copy to finish is cached.
        var model = PretrainedModel.Load(_baseDir, ScalarType.Float32, CPU);
        AdapterFolder.Load(model, dir);
        model.eval();
        var served = new ServedModel(name, model);
        _logger?.LogInformation("Loaded adapter {Adapter} from {Path}", name, dir);

        lock (_lock)
        {
            var raced = _loaded.FirstOrDefault(m => m.Name == name);
            if (raced is not null || !_adapterDirs.ContainsKey(name))
            {
                served.AddUser();
                served.Evict(); // Used once by this request, then disposed.
                return served;
            }
            _loaded.AddFirst(served);
            served.AddUser();
            while (_loaded.Count > _maxLoaded)
            {
                var oldest = _loaded.Last!.Value;
                _loaded.RemoveLast();
                oldest.Evict();
                _logger?.LogInformation("Evicted adapter {Adapter} (cache limit {Limit})", oldest.Name, _maxLoaded);
            }
            return served;
        }
    }

    public void Release(ServedModel model) => model.RemoveUser();

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var model in _loaded)
                model.Evict();
            _loaded.Clear();
        }
        _base.Evict();
    }
}
