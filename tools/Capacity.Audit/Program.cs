using Capacity.Service.Audit;
using StackExchange.Redis;

// Capacity.Audit verify [--redis localhost:6379]           exit 0 when the chain is intact, 1 when not
// Capacity.Audit show --referral ref_… [--redis localhost:6379]
const string Usage = """
    usage: Capacity.Audit verify [--redis localhost:6379]
           Capacity.Audit show --referral ref_... [--redis localhost:6379]
    --redis takes a StackExchange.Redis configuration string (as Redis:Configuration).
    """;

if (args.Length == 0 || args.Length % 2 == 0)
{
    Console.Error.WriteLine(Usage);
    return 64;
}
var options = new Dictionary<string, string>();
for (var i = 1; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
using var redis = await ConnectionMultiplexer.ConnectAsync(options.GetValueOrDefault("redis") ?? "localhost:6379");
var db = redis.GetDatabase();

switch (args[0])
{
    case "verify":
        var (count, broken) = await AuditLog.VerifyAsync(db);
        if (broken is null)
        {
            Console.WriteLine($"audit trail intact: {count:N0} records, each chained to the one before");
            return 0;
        }
        Console.Error.WriteLine($"AUDIT TRAIL BROKEN after {count:N0} intact records: {broken}");
        return 1;
    case "show" when options.TryGetValue("referral", out var referral):
        var audit = new AuditLog(redis, Microsoft.Extensions.Options.Options.Create(new AuditOptions()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditLog>.Instance);
        var token = "";
        do
        {
            var (records, next) = await audit.ForReferralAsync(referral, Capacity.Service.Shared.Paging.MaxPageSize, token);
            foreach (var s in records)
                Console.WriteLine($"{s.Record.At:yyyy-MM-dd HH:mm:ss}Z  {s.Record.Subject} ({s.Record.Role}, {s.Record.Organisation})  {s.Record.Action}  {s.Record.Outcome}"
                    + (s.Record.ReferralCount > 1 ? $"  (a list of {s.Record.ReferralCount} referrals)" : ""));
            token = next;
        } while (token.Length > 0);
        return 0;
    default:
        Console.Error.WriteLine(Usage);
        return 64;
}
