using System.Globalization;
using StackExchange.Redis;

namespace Capacity.Service.Insight.History;

/// <summary>One stored bucket of one area and care type (see <see cref="CapacityHistoryKeys"/>).</summary>
/// <param name="PrevFree">Free places at the bucket's start; null when none were known before it.</param>
public readonly record struct StoredBucket(DateTimeOffset Start, int Free, int Min, int Room, int? PrevFree, int? PrevRoom);

/// <summary>A point as the query computes it, before it becomes a <see cref="V1.CapacityPoint"/>.</summary>
public readonly record struct HistoryValue(int Free, int Min, int Room, bool NoData)
{
    public static readonly HistoryValue None = new(0, 0, 0, true);
}

/// <summary>
/// The pure part of the history query: stored buckets (only those with a change) and the current
/// totals in, one value per requested bucket out, with no gaps. A bucket without a change carries on
/// the figures of the last change before it; before the first change read, the figures at that
/// change's start; with no change read at all, the current totals. No figure known: no data.
/// </summary>
public static class CapacityHistorySeries
{
    /// <summary>Parses a bucket hash's entries into buckets per care type; <paramref name="startOf"/> turns a field's "HH" or "DD" into the bucket's start.</summary>
    public static void Parse(HashEntry[] entries, Func<int, DateTimeOffset?> startOf, Dictionary<int, List<StoredBucket>> into)
    {
        foreach (var e in entries)
        {
            var field = (string)e.Name!;
            var colon = field.IndexOf(':');
            if (colon < 1
                || !int.TryParse(field.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var slot)
                || !int.TryParse(field.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var careType)
                || startOf(slot) is not { } start) continue;
            var parts = ((string)e.Value!).Split('|');
            if (parts.Length != 5 || !Int(parts[0], out var free) || !Int(parts[1], out var min) || !Int(parts[2], out var room)) continue;
            int? prevFree = Int(parts[3], out var pf) ? pf : null, prevRoom = Int(parts[4], out var pr) ? pr : null;
            if (!into.TryGetValue(careType, out var list)) into[careType] = list = [];
            list.Add(new StoredBucket(start, free, min, room, prevFree, prevRoom));
        }

        static bool Int(string s, out int value) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The current totals per care type from the now hash ("free|room|zeroSinceMs").</summary>
    public static Dictionary<int, (int Free, int Room)> ParseNow(HashEntry[] entries)
    {
        var now = new Dictionary<int, (int, int)>();
        foreach (var e in entries)
        {
            var parts = ((string)e.Value!).Split('|');
            if (int.TryParse((string)e.Name!, NumberStyles.None, CultureInfo.InvariantCulture, out var careType) && parts.Length == 3
                && int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var free)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var room))
                now[careType] = (free, room);
        }
        return now;
    }

    /// <summary>
    /// One value per bucket start in <paramref name="starts"/> (ascending). Buckets that start after
    /// <paramref name="now"/> have no data: history does not forecast.
    /// </summary>
    public static HistoryValue[] Compute(IReadOnlyList<DateTimeOffset> starts, List<StoredBucket>? stored, (int Free, int Room)? current, DateTimeOffset now)
    {
        var changes = stored is null ? [] : stored.OrderBy(b => b.Start).ToArray();
        var values = new HistoryValue[starts.Count];
        var k = 0; // the first change at or after the bucket
        for (var i = 0; i < starts.Count; i++)
        {
            var start = starts[i];
            if (start > now)
            {
                values[i] = HistoryValue.None;
                continue;
            }
            while (k < changes.Length && changes[k].Start < start) k++;
            if (k < changes.Length && changes[k].Start == start)
            {
                var c = changes[k];
                values[i] = new HistoryValue(c.Free, c.Min, c.Room, false);
            }
            else if (k > 0) values[i] = Carry(changes[k - 1].Free, changes[k - 1].Room);
            else if (k < changes.Length) values[i] = changes[k].PrevFree is { } f ? Carry(f, changes[k].PrevRoom ?? 0) : HistoryValue.None;
            else values[i] = current is { } n ? Carry(n.Free, n.Room) : HistoryValue.None;
        }
        return values;

        static HistoryValue Carry(int free, int room) => new(free, free, room, false);
    }

    /// <summary>Region totals: the areas' figures summed; the lowest is the sum of the areas' lowest (a lower bound).</summary>
    public static HistoryValue[] Sum(IEnumerable<HistoryValue[]> areas, int count)
    {
        var sum = Enumerable.Repeat(HistoryValue.None, count).ToArray();
        foreach (var area in areas)
            for (var i = 0; i < count; i++)
                if (!area[i].NoData)
                    sum[i] = sum[i].NoData ? area[i] : new HistoryValue(sum[i].Free + area[i].Free, sum[i].Min + area[i].Min, sum[i].Room + area[i].Room, false);
        return sum;
    }
}
