using System.Reflection;
using System.Text.RegularExpressions;
using Capacity.Service.Shared;

namespace Capacity.Service.Tests.Errors;

/// <summary>
/// One table of reasons, said three times: Shared/Reasons.cs (what the API sends), docs/ERRORS.md
/// (what each means and the Dutch shown) and the page's js/texts/errors.js (the Dutch it shows). They must
/// agree, code for code and word for word, and every code must be sent from somewhere.
/// </summary>
public sealed partial class ReasonTableTests
{
    static readonly string Root = RepositoryRoot();

    [Fact]
    public void CodesAreUniqueAndUpperSnake()
    {
        Assert.Equal(Reasons.All.Count, Reasons.All.Distinct().Count());
        Assert.All(Reasons.All, code => Assert.Matches("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$", code));
    }

    [Fact]
    public void TheDocumentListsEveryCodeAndNoOther()
    {
        var documented = DocumentedTexts();
        Assert.Equal(Reasons.All.Order(), documented.Keys.Order());
        Assert.All(documented, row => Assert.False(string.IsNullOrWhiteSpace(row.Value), $"{row.Key} has no Dutch text in docs/ERRORS.md"));
    }

    [Fact]
    public void ThePageSaysWhatTheDocumentSays()
    {
        var page = PageTexts();
        var documented = DocumentedTexts();
        Assert.Equal(documented.Keys.Order(), page.Keys.Order());
        Assert.All(documented, row => Assert.Equal(row.Value, page[row.Key]));
    }

    [Fact]
    public void EveryCodeIsSentFromSomewhereInTheService()
    {
        var sources = string.Join("\n", Directory.EnumerateFiles(Path.Combine(Root, "src", "Capacity.Service"), "*.cs", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "Reasons.cs")
            .Select(File.ReadAllText));
        var names = typeof(Reasons).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.Name != nameof(Reasons.Domain));
        var unused = names.Where(f => !Regex.IsMatch(sources, $@"\bReasons\.{f.Name}\b")).Select(f => f.Name).ToArray();
        Assert.Empty(unused);
    }

    /// <summary>Code → Dutch text from the tables of docs/ERRORS.md (| `CODE` | when | field | Dutch |).</summary>
    static Dictionary<string, string> DocumentedTexts() =>
        DocRow().Matches(File.ReadAllText(Path.Combine(Root, "docs", "ERRORS.md")))
            .ToDictionary(m => m.Groups["code"].Value, m => m.Groups["dutch"].Value.Trim());

    /// <summary>Code → Dutch text from the reasonTexts block of js/texts/errors.js.</summary>
    static Dictionary<string, string> PageTexts()
    {
        var texts = File.ReadAllText(Path.Combine(Root, "src", "Capacity.Web", "wwwroot", "js", "texts", "errors.js"));
        var start = texts.IndexOf("export const reasonTexts = {", StringComparison.Ordinal);
        Assert.True(start >= 0, "js/texts/errors.js has no reasonTexts");
        var block = texts[start..texts.IndexOf("\n};", start, StringComparison.Ordinal)];
        return PageRow().Matches(block).ToDictionary(m => m.Groups["code"].Value, m => m.Groups["dutch"].Value.Replace("\\'", "'"));
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capacity.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("Capacity.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\|\s*`(?<code>[A-Z0-9_]+)`\s*\|[^|\n]*\|[^|\n]*\|(?<dutch>[^|\n]+)\|\s*$", RegexOptions.Multiline)]
    private static partial Regex DocRow();

    [GeneratedRegex(@"^\s+(?<code>[A-Z0-9_]+): '(?<dutch>(?:[^'\\]|\\.)*)',?\s*$", RegexOptions.Multiline)]
    private static partial Regex PageRow();
}
