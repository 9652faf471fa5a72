using System.Globalization;
using StackExchange.Redis;

namespace Capacity.Bench;

/// <summary>Memory of the service process (from /proc) and of Redis (INFO memory).</summary>
static class Memory
{
    /// <summary>Current and peak resident set size of a process, in MB; null where /proc is not available.</summary>
    public static (double RssMb, double PeakRssMb)? Process(int pid)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path)) return null;
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line) / 1024.0;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kb(line) / 1024.0;
        }
        return (rss, peak);

        static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Starts a new peak for <see cref="Process"/> (Linux: "5" into /proc/pid/clear_refs resets
    /// VmHWM). False where that is not allowed; the peak then covers the whole run.
    /// </summary>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Redis used_memory in MB (the data set plus Redis's own overhead).</summary>
    public static async Task<double> RedisUsedMb(IConnectionMultiplexer redis)
    {
        var server = redis.GetServers()[0];
        var info = await server.InfoAsync("memory");
        var used = info.SelectMany(g => g).First(p => p.Key == "used_memory").Value;
        return long.Parse(used, CultureInfo.InvariantCulture) / (1024.0 * 1024.0);
    }

    public static async Task<long> RedisKeys(IConnectionMultiplexer redis) => await redis.GetServers()[0].DatabaseSizeAsync();
}
