using System.Globalization;

namespace Capacity.Service.Shared;

/// <summary>
/// The one rule for the characters of every free text a client can send (names, contacts,
/// summaries, comments, reasons, references). Every party reads these texts — on a screen, in a
/// log, in an export — so none may carry characters that change how the text around them is
/// shown: C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F: terminal escapes, a bell,
/// a carriage return that overwrites a log line) and the Unicode bidirectional controls (U+202A–
/// U+202E, U+2066–U+2069, U+200E, U+200F, U+061C: "Trojan Source", a name or reference that reads
/// differently from what it is). A multi-line text (a care summary, a comment) may hold line
/// breaks (LF, or CR LF) and tabs; a single-line text (a name, a reference) holds none, nor the
/// Unicode line and paragraph separators (U+2028, U+2029). A required text must show something:
/// white space and invisible format characters alone (a zero-width space, a BOM) are no name.
/// </summary>
public static class FreeText
{
    public const string SingleLineRule = "may not contain control characters (line breaks and tabs included) or bidirectional controls";
    public const string MultiLineRule = "may not contain control characters other than line breaks and tabs, nor bidirectional controls";

    /// <summary>Whether <paramref name="c"/> is a Unicode bidirectional formatting control.</summary>
    public static bool IsBidiControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';

    /// <summary>Why <paramref name="text"/> is refused (its reason code and the developer's text), or null when its characters are all allowed.</summary>
    public static (string Reason, string Description)? Problem(string text, bool multiLine)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsBidiControl(c)) return Describe("a bidirectional control", c, i, multiLine);
            if (!multiLine && c is '\u2028' or '\u2029') return Describe("a line separator", c, i, multiLine);
            if (!char.IsControl(c)) continue;
            // A lone CR would let a text overwrite its own line where it is printed; CR LF is a line break.
            if (multiLine && (c is '\n' or '\t' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n'))) continue;
            return Describe("a control character", c, i, multiLine);
        }
        return null;
    }

    /// <summary>Whether the text shows nothing: empty, or only white space, control and invisible format characters.</summary>
    public static bool IsBlank([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] string? text)
    {
        foreach (var c in text ?? "")
        {
            if (!char.IsWhiteSpace(c) && !char.IsControl(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format) return false;
        }
        return true;
    }

    static (string, string) Describe(string what, char c, int index, bool multiLine) =>
        (Reasons.TextCharacters, string.Create(CultureInfo.InvariantCulture, $"contains {what} (U+{(int)c:X4}) at position {index + 1}; {(multiLine ? MultiLineRule : SingleLineRule)}"));
}
