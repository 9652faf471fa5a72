using System.Text;

namespace Capacity.Service.Capacity.Import;

/// <summary>
/// CSV as RFC 4180 says it (quoted fields with "" for a quote, line breaks inside quotes), with
/// ";" or "," between fields — Dutch Excel saves ";" — named by an Excel "sep=;" first line or
/// detected from the first non-empty line; UTF-8 with or without a byte order mark, and without one
/// Windows-1252 when the bytes are not UTF-8 (Dutch Excel's "CSV (puntkomma)"). Pure.
/// </summary>
public static class CsvTable
{
    /// <summary>The records with their 1-based row numbers (a quoted line break keeps one row), empty rows left out.</summary>
    /// <exception cref="FormatException">A quote left open.</exception>
    public static List<SheetRow> Read(ReadOnlySpan<byte> file)
    {
        var text = Decode(file);
        if (text.StartsWith('\uFEFF')) text = text[1..];
        // Excel's "sep=;" line names the separator and is not shown as a row: the header stays row 1.
        char separator;
        if (text.Length >= 5 && text.StartsWith("sep=", StringComparison.OrdinalIgnoreCase) && text[4] is ';' or ',' && (text.Length == 5 || text[5] is '\r' or '\n'))
        {
            separator = text[4];
            text = text[5..].StartsWith("\r\n", StringComparison.Ordinal) ? text[7..] : text[Math.Min(6, text.Length)..];
        }
        else separator = SeparatorOf(text);

        var rows = new List<SheetRow>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var row = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"') cell.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"' && cell.Length == 0) quoted = true;
            else if (c == separator) { cells.Add(cell.ToString()); cell.Clear(); }
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                EndRow();
            }
            else cell.Append(c);
        }
        if (quoted) throw new FormatException($"row {row}: a quote is not closed");
        EndRow();
        return rows;

        void EndRow()
        {
            cells.Add(cell.ToString());
            cell.Clear();
            if (cells.Exists(s => s.Trim().Length > 0)) rows.Add(new SheetRow(row, [.. cells]));
            cells.Clear();
            row++;
        }
    }

    /// <summary>UTF-8; without a byte order mark, Windows-1252 when the bytes are not UTF-8 (every byte is a 1252 character or is kept as "?").</summary>
    static string Decode(ReadOnlySpan<byte> file)
    {
        try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file); }
        catch (DecoderFallbackException) when (!file.StartsWith(Encoding.UTF8.Preamble))
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(1252)!.GetString(file);
        }
        catch (DecoderFallbackException) { throw new FormatException("the file starts as UTF-8 (byte order mark) but is not UTF-8 text"); }
    }

    /// <summary>";" unless the first non-empty line (outside quotes) has more "," than ";".</summary>
    static char SeparatorOf(string text)
    {
        int semicolons = 0, commas = 0;
        var quoted = false;
        foreach (var c in text.AsSpan().TrimStart("\r\n \t"))
        {
            if (c == '"') quoted = !quoted;
            else if (!quoted && c is '\r' or '\n') break;
            else if (!quoted && c == ';') semicolons++;
            else if (!quoted && c == ',') commas++;
        }
        return commas > semicolons ? ',' : ';';
    }

    /// <summary>UTF-8 with a byte order mark (so that Excel reads "é" right), ";" between fields, CRLF line ends.</summary>
    public static byte[] Write(IEnumerable<string[]> rows)
    {
        var text = new StringBuilder();
        foreach (var cells in rows)
            text.AppendJoin(';', cells.Select(Quote)).Append("\r\n");
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    static string Quote(string cell) =>
        cell.IndexOfAny([';', '"', '\r', '\n']) < 0 ? cell : $"\"{cell.Replace("\"", "\"\"")}\"";
}

/// <summary>One row of a sheet: its number as the spreadsheet shows it (header = 1) and its cells as text.</summary>
public sealed record SheetRow(int Row, string[] Cells);
