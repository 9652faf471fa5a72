using System.Globalization;

namespace Capacity.Bench;

/// <summary>"--name value" command-line options; unknown or malformed ones are errors, not ignored.</summary>
sealed class Args
{
    readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public Args(IEnumerable<string> args)
    {
        var list = args.ToArray();
        for (var i = 0; i < list.Length; i += 2)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal) || i + 1 == list.Length)
                throw new FormatException($"expected --name value, got '{list[i]}'");
            _values[list[i][2..]] = list[i + 1];
        }
    }

    public string? Text(string name) => _values.Remove(name, out var v) ? v : null;

    public string Text(string name, string fallback) => Text(name) ?? fallback;

    public int Number(string name, int fallback, int min = 0) => Text(name) is not { } v ? fallback
        : int.TryParse(v, CultureInfo.InvariantCulture, out var n) && n >= min ? n
        : throw new FormatException($"--{name} must be a whole number of at least {min}, got '{v}'");

    /// <summary>Throws when an option was given that nobody asked for (a typo must not silently change a run).</summary>
    public void EnsureAllUsed()
    {
        if (_values.Count > 0) throw new FormatException($"unknown option --{_values.Keys.First()}");
    }
}
