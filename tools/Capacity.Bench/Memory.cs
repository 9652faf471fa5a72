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

    /// <summary>Redis used_memory in MB (the data set plus Redis's own overhead), summed over the masters of a cluster.</summary>
    public static async Task<double> RedisUsedMb(IConnectionMultiplexer redis)
    {
        long used = 0;
        foreach (var server in Masters(redis))
        {
            var info = await server.InfoAsync("memory");
            used += long.Parse(info.SelectMany(g => g).First(p => p.Key == "used_memory").Value, CultureInfo.InvariantCulture);
        }
        return used / (1024.0 * 1024.0);
    }

    static IEnumerable<IServer> Masters(IConnectionMultiplexer redis) => redis.GetServers().Where(s => !s.IsReplica);

    /// <summary>A process's CPU time so far, user and system (/proc/pid/stat); zero without a pid or off Linux.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        if (pid <= 0 || !File.Exists($"/proc/{pid}/stat")) return TimeSpan.Zero;
        // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime and stime are the 12th and 13th.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    // sysconf(_SC_CLK_TCK): 100 on every Linux the service runs on.
    const int ClockTicksPerSecond = 100;

    public static async Task<long> RedisKeys(IConnectionMultiplexer redis)
    {
        long keys = 0;
        foreach (var server in Masters(redis)) keys += await server.DatabaseSizeAsync();
        return keys;
    }
}
