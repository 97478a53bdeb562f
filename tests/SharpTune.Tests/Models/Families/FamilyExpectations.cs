using System.Text.Json.Nodes;

namespace SharpTune.Tests.Models.Families;

/// <summary>Reads the reference checkpoints of several architectures and their <c>expected.json</c> outputs.</summary>
public static class FamilyExpectations
{
    public static string Dir(string family) => Path.Combine(TestPaths.Shared, "model-families", family);

    /// <summary>The <c>cases</c> array of <paramref name="family"/>'s expected.json.</summary>
    public static JsonArray Cases(string family) =>
        (JsonArray)JsonNode.Parse(File.ReadAllText(Path.Combine(Dir(family), "expected.json")))!["cases"]!;

    public static JsonObject Case(string family, string name) =>
        Cases(family).OfType<JsonObject>().Single(c => c["name"]!.GetValue<string>() == name);

    /// <summary>Flattens a nested JSON number array in row-major order.</summary>
    public static float[] Flatten(JsonNode node)
    {
        var values = new List<float>();
        void Walk(JsonNode n)
        {
            if (n is JsonArray array)
                foreach (var child in array)
                    Walk(child!);
            else
                values.Add((float)n.GetValue<double>());
        }
        Walk(node);
        return values.ToArray();
    }

    public static long[] Longs(JsonNode node) => Flatten(node).Select(v => (long)v).ToArray();

    public static long[] Shape(JsonNode node) => ((JsonArray)node).Select(v => v!.GetValue<long>()).ToArray();
}
