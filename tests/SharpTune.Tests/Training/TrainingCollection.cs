namespace SharpTune.Tests.Training;

/// <summary>
/// Tests that train in this process. They run one at a time and apart from other collections, because libtorch's
/// CPU generator is global. Another test seeding it mid-run would change dropout masks and break reproducibility.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingCollection
{
    public const string Name = "In-process training";
}
