using System.Globalization;
using Capacity.Bench;

// Figures in reports and logs read the same on every machine.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// Capacity.Bench: the load generator behind ../../bench.sh. See Usage.
const string Usage = """
    usage: Capacity.Bench scenario [--preset national|small] [--seed 1] [--target http://127.0.0.1:5081] [--streams 16]
                                   [--rounds 1] [--capacity-only yes|no]
             Generates the scenario and prints its size; with --target also loads it into that service
             (registry, client stops, then --rounds full capacity publications; only those with --capacity-only yes).
           Capacity.Bench run --target http://127.0.0.1:5081 --hub http://127.0.0.1:5080/hubs/coordination --redis 127.0.0.1:6379
                              [--preset national] [--seed 1] [--concurrency 50] [--warmup 10] [--duration 20]
                              [--open-rate 2000] [--open-duration 20] [--publish-rate 500] [--listeners 1000] [--searches 200]
                              [--probes 200] [--hold-racers 1000] [--hold-rounds 3] [--ingest-rounds 3] [--streams 16]
                              [--service-pid n] [--geosearch-csv path] [--hset-csv path] [--json path] [--markdown path]
                              [--history-changes 1]
             Loads the scenario (timing the capacity ingest), then measures searches, pushes, holds and memory, and last
             the capacity history: one simulated day with --history-changes changes per figure (0: skip).
           Capacity.Bench history --redis 127.0.0.1:6379 [--preset national] [--seed 1] [--changes 1]
             The capacity-history step of run on its own, straight on a Redis (no service): memory and write rate.
           Capacity.Bench search [--preset national] [--seed 1] [--target URL] [--concurrency 50] [--warmup 5] [--duration 10]
                                 [--connections 1] [--rate n]
             Searches only, against a service that has the scenario loaded: closed loop, or open loop at --rate per second.
           Capacity.Bench referral-reads [--target URL] [--referrals 200] [--concurrency 50] [--warmup 5] [--duration 15] [--label text]
             Closed-loop GetReferral (each read writes one audit record); run with audit on and off to see its cost.
           Capacity.Bench durability --redis 127.0.0.1:6379 [--target URL] [--preset national] [--seed 1] [--streams 16]
                                     [--ingest-rounds 3] [--concurrency 16] [--warmup 5] [--duration 20] [--json path] [--markdown path]
             What Redis persistence costs: loads the scenario (timing the capacity ingest), then referral steps in a closed
             loop (create, offer, accept or decline and cancel), reported with the Redis' appendonly/appendfsync settings.
           Capacity.Bench hotkeys --redis 127.0.0.1:6379 [--duration 5] [--concurrency 32]
             How fast the single-slot keys every instance shares go (the audit chain, the holds' due index, the pending
             steps) on one Redis, i.e. on one shard of a cluster: a markdown table (scripts/hot-keys.sh runs it).
           Capacity.Bench placements --redis 127.0.0.1:6379 [--per-month 40000] [--months 24] [--insurers 10] [--repeat 5] [--load yes|no]
             Writes generated referral facts into that Redis as the service keeps them (an empty database: it adds), then
             times placement analytics and the unmet-demand report per scope: hashes, facts and bytes read, and latency.
           Capacity.Bench request-body [--preset national] [--seed 1] --out path
             Writes the scenario's sanity search as a gRPC message body (for h2load, a C HTTP/2 load generator).
    Every command that calls the service also takes [--signing-key-file path] [--issuer capacity-bench] [--audience capacity]:
    each call then carries the token of the party that would make it (a hospital's transfer nurse for searches and
    referrals, a provider for its own figures and offers, an insurer for its contracts, the registry admin for the
    registry), signed with that key as the service's Auth:SigningKey; without it the calls are anonymous.
    """;

try
{
    return args switch
    {
        ["scenario", .. var rest] => await Commands.ScenarioAsync(new Args(rest)),
        ["run", .. var rest] => await Commands.RunAsync(new Args(rest)),
        ["search", .. var rest] => await Commands.SearchAsync(new Args(rest)),
        ["request-body", .. var rest] => Commands.RequestBody(new Args(rest)),
        ["referral-reads", .. var rest] => await Commands.ReferralReadsAsync(new Args(rest)),
        ["durability", .. var rest] => await Commands.DurabilityAsync(new Args(rest)),
        ["hotkeys", .. var rest] => await HotKeysCommand(new Args(rest)),
        ["history", .. var rest] => await Commands.HistoryAsync(new Args(rest)),
        ["placements", .. var rest] => await PlacementQueries.RunAsync(new Args(rest)),
        _ => throw new FormatException("expected a command: scenario, run, search, referral-reads, durability, hotkeys, history, placements or request-body"),
    };
}
catch (FormatException e)
{
    Console.Error.WriteLine($"{e.Message}\n\n{Usage}");
    return 64;
}

static async Task<int> HotKeysCommand(Args args)
{
    var config = args.Text("redis") ?? throw new FormatException("--redis host:port is required");
    await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(config);
    var figures = await HotKeys.MeasureAsync(redis, TimeSpan.FromSeconds(args.Number("duration", 5, min: 1)), args.Number("concurrency", 32, min: 1));
    Console.WriteLine("| single-slot key | rate on one Redis |\n|---|---:|");
    foreach (var f in figures) Console.WriteLine($"| {f.What} | {f.PerSecond:N0} {f.Unit} |");
    return 0;
}
