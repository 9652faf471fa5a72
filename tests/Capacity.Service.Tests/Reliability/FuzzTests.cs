using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Api;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Reliability;

/// <summary>
/// Sends well-framed but generated requests (<see cref="RequestFuzzer"/>) to every unary method of
/// every capacity.v1 service, through the real gRPC endpoint and the JSON API, and checks that the
/// service never crashes, never hangs, never answers UNKNOWN, INTERNAL or DATA_LOSS (or HTTP 500),
/// and never writes anything for a request it refuses. A dedicated host takes the refusal check:
/// one request at a time, every key of its database (audit trail excepted: it records refusals by
/// design) compared before and after each refused request.
/// Reproduce a run with CAPACITY_FUZZ_SEED=&lt;seed&gt; (printed with every failure); the offending
/// requests are printed too, since concurrent workers and learnt ids make a run's order vary.
/// </summary>
[Collection(nameof(FuzzTests))]
public sealed class FuzzTests : IAsyncLifetime
{
    const int Target = 100_000;
    static readonly TimeSpan Budget = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("CAPACITY_FUZZ_SECONDS"), CultureInfo.InvariantCulture, out var seconds) ? seconds : 90);
    static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(15);
    const int GrpcWorkers = 6, JsonWorkers = 2;

    static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("CAPACITY_FUZZ_SEED"), out var s) ? s : 1207;

    static readonly MethodDescriptor[] Methods =
    [
        .. new[]
        {
            RegistryReflection.Descriptor, CapacityReflection.Descriptor, ClientStopsReflection.Descriptor, MatchingReflection.Descriptor,
            RegionsReflection.Descriptor, ReferralsReflection.Descriptor, AuditReflection.Descriptor,
        }
        .SelectMany(f => f.Services).SelectMany(s => s.Methods).Where(m => !m.IsClientStreaming && !m.IsServerStreaming),
    ];

    static readonly Dictionary<MethodDescriptor, Method<byte[], byte[]>> GrpcMethods = Methods.ToDictionary(m => m,
        m => new Method<byte[], byte[]>(MethodType.Unary, m.Service.FullName, m.Name, Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b)));

    static readonly (MethodDescriptor Method, HttpRule Rule)[] Routes =
        [.. Methods.Select(m => (m, m.GetOptions()?.GetExtension(AnnotationsExtensions.Http))).Where(r => r.Item2 is not null).Select(r => (r.m, r.Item2!))];

    // UNAVAILABLE means Redis did not answer (RedisFailures): on the healthy Redis these tests run on, a request that causes it is a bug.
    static readonly StatusCode[] Broken = [StatusCode.Unknown, StatusCode.Internal, StatusCode.DataLoss, StatusCode.Unavailable];

    readonly CapacityApp _app = new();
    readonly CapacityApp _quiet = new();
    readonly ConcurrentDictionary<(string Share, string Method, string Outcome), int> _counts = new();
    readonly ConcurrentQueue<string> _failures = new();
    readonly Stopwatch _clock = new();
    int _sent;

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(_app.InitializeAsync().AsTask(), _quiet.InitializeAsync().AsTask());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _quiet.DisposeAsync();
    }

    [Fact]
    public async Task GeneratedRequestsNeverCrashHangOrFailInternallyAndRefusalsWriteNothing()
    {
        Assert.True(Methods.Length >= 35, $"only {Methods.Length} unary methods found"); // a new one is fuzzed by itself; this says the catalogue was read
        var pools = await SeedAsync(_app);
        var quietPools = await SeedAsync(_quiet);

        _clock.Start();
        var workers = new List<Task>();
        for (var i = 0; i < GrpcWorkers; i++)
        {
            var worker = i;
            workers.Add(Task.Run(() => GuardAsync("grpc", () => GrpcWorkerAsync(pools, worker))));
        }
        for (var i = 0; i < JsonWorkers; i++)
        {
            var worker = i;
            workers.Add(Task.Run(() => GuardAsync("json", () => JsonWorkerAsync(pools, worker))));
        }
        workers.Add(Task.Run(() => GuardAsync("quiet", () => QuietWorkerAsync(quietPools))));
        await Task.WhenAll(workers);
        var elapsed = _clock.Elapsed;

        // Still standing: both hosts answer a plain call.
        foreach (var app in new[] { _app, _quiet })
            Assert.NotEmpty((await app.Regions.ListMunicipalitiesAsync(new ListMunicipalitiesRequest(), deadline: DateTime.UtcNow + CallDeadline)).Municipalities);

        Report(elapsed);
        Assert.All(Methods, m => Assert.True(_counts.Where(c => c.Key.Share == "grpc" && c.Key.Method == m.Name).Sum(c => c.Value) >= 100, $"{m.Name} was hardly fuzzed"));
        Assert.True(_failures.IsEmpty,
            $"Seed {Seed}: {_failures.Count} failure(s) (rerun with CAPACITY_FUZZ_SEED={Seed}):\n" + string.Join("\n\n", _failures.Take(15)));
    }

    /// <summary>A worker that throws (a bug of the fuzzer's own, or of the test client) stops as a failure, not as the whole run.</summary>
    async Task GuardAsync(string share, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception e)
        {
            _failures.Enqueue($"[{share}] the worker stopped: {e}");
        }
    }

    bool Go() => _clock.Elapsed < Budget && Volatile.Read(ref _sent) < Target && _failures.Count < 200;

    // ---- the shares ----

    async Task GrpcWorkerAsync(FuzzPools pools, int worker)
    {
        var fuzzer = new RequestFuzzer(new Random(RequestFuzzer.StableSeed($"{Seed}/grpc/{worker}")), pools, CapacityApp.Today);
        var invoker = _app.CreateChannel().CreateCallInvoker();
        while (Go())
        {
            var method = Methods[fuzzer.Random.Next(Methods.Length)];
            var (message, kind) = Generate(fuzzer, method.InputType, baselineShare: 15);
            var (status, detail, response) = await CallAsync(invoker, method, Frame(fuzzer, message));
            Count("grpc", method.Name, status.ToString());
            if (Broken.Contains(status) || status == StatusCode.DeadlineExceeded)
                Fail("grpc", method, kind, status.ToString(), detail, message);
            else if (status == StatusCode.OK)
            {
                if (kind != "baseline") Sample(method, kind, message);
                if (FuzzPools.CanTeach(method.OutputType)) Learn(pools, method.OutputType.Parser.ParseFrom(response));
            }
        }
    }

    async Task JsonWorkerAsync(FuzzPools pools, int worker)
    {
        var fuzzer = new RequestFuzzer(new Random(RequestFuzzer.StableSeed($"{Seed}/json/{worker}")), pools, CapacityApp.Today);
        using var http = _app.CreateClient();
        http.Timeout = CallDeadline;
        while (Go())
        {
            var (method, rule) = Routes[fuzzer.Random.Next(Routes.Length)];
            var (message, kind) = Generate(fuzzer, method.InputType, baselineShare: 15);
            var malformed = fuzzer.Random.Next(10) < 3;
            var (code, body) = await SendJsonAsync(http, rule, message, fuzzer, malformed);
            Count("json", method.Name, code is { } c ? ((int)c).ToString(CultureInfo.InvariantCulture) : "no answer");
            if (code is null or HttpStatusCode.InternalServerError or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
                Fail("json", method, malformed ? kind + ", malformed" : kind, code?.ToString() ?? "no answer in time", body, message);
            else if (code == HttpStatusCode.OK && FuzzPools.CanTeach(method.OutputType)) Learn(pools, body, method.OutputType);
        }
    }

    /// <summary>
    /// One request at a time against a host of its own: after every refused request, no key of its
    /// database may have changed (the audit trail aside). Mostly mutations and wild requests, so
    /// that most are refused; after an accepted one the next comparison starts from its result.
    /// </summary>
    async Task QuietWorkerAsync(FuzzPools pools)
    {
        var fuzzer = new RequestFuzzer(new Random(RequestFuzzer.StableSeed($"{Seed}/quiet")), pools, CapacityApp.Today);
        var invoker = _quiet.CreateChannel().CreateCallInvoker();
        using var http = _quiet.CreateClient();
        http.Timeout = CallDeadline;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_quiet.Redis);
        var db = redis.GetDatabase();
        var before = await SettledDigestAsync(db);
        var previous = "nothing";
        while (Go())
        {
            var method = Methods[fuzzer.Random.Next(Methods.Length)];
            var (message, kind) = Generate(fuzzer, method.InputType, baselineShare: 0);
            var route = Routes.FirstOrDefault(r => r.Method == method).Rule;
            bool refused;
            string outcome;
            if (route is not null && fuzzer.Random.Next(5) == 0)
            {
                var malformed = fuzzer.Random.Next(3) == 0;
                var (code, body) = await SendJsonAsync(http, route, message, fuzzer, malformed);
                outcome = code is { } c ? ((int)c).ToString(CultureInfo.InvariantCulture) : "no answer";
                Count("quiet json", method.Name, outcome);
                if (code is null or HttpStatusCode.InternalServerError or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
                    Fail("quiet json", method, kind, outcome, body, message);
                refused = code != HttpStatusCode.OK;
            }
            else
            {
                var (status, detail, _) = await CallAsync(invoker, method, Frame(fuzzer, message));
                outcome = status.ToString();
                Count("quiet grpc", method.Name, outcome);
                if (Broken.Contains(status) || status == StatusCode.DeadlineExceeded) Fail("quiet grpc", method, kind, outcome, detail, message);
                refused = status != StatusCode.OK;
            }

            var sent = $"{method.Name} ({kind}) → {outcome}";
            if (!refused)
            {
                before = await SettledDigestAsync(db);
                previous = sent;
                continue;
            }
            var after = await DigestAsync(db);
            if (Changed(before, after) is { Length: > 0 } changed)
            {
                Count("quiet", "refusals checked", "Redis changed");
                Fail("quiet", method, kind, $"{outcome}, but Redis changed", $"keys: {changed}; the request before: {previous}", message);
                before = await SettledDigestAsync(db);
            }
            else Count("quiet", "refusals checked", "Redis unchanged");
            previous = sent;
        }
    }

    // ---- requests ----

    static (IMessage Message, string Kind) Generate(RequestFuzzer fuzzer, MessageDescriptor type, int baselineShare)
    {
        var roll = fuzzer.Random.Next(100);
        if (roll < baselineShare) return (fuzzer.Baseline(type), "baseline");
        if (roll < 70) return (fuzzer.Mutate(fuzzer.Baseline(type)), "mutated baseline");
        return (fuzzer.Wild(type), "wild");
    }

    static byte[] Frame(RequestFuzzer fuzzer, IMessage message)
    {
        var bytes = message.ToByteArray();
        return fuzzer.Random.Next(20) == 0 ? fuzzer.WithUnknownField(bytes) : bytes;
    }

    async Task<(StatusCode Status, string Detail, byte[] Response)> CallAsync(CallInvoker invoker, MethodDescriptor method, byte[] request)
    {
        Interlocked.Increment(ref _sent);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var call = invoker.AsyncUnaryCall(GrpcMethods[method], null, new CallOptions(deadline: DateTime.UtcNow + CallDeadline), request);
            return (StatusCode.OK, "", await call.ResponseAsync);
        }
        catch (RpcException e)
        {
            return (e.StatusCode, e.Status.Detail, []);
        }
        finally
        {
            Took($"gRPC {method.Name} ({request.Length} bytes)", Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>The request as the JSON API takes it (the route of the method's google.api.http option), or deliberately malformed.</summary>
    async Task<(HttpStatusCode? Code, string Body)> SendJsonAsync(HttpClient http, HttpRule rule, IMessage message, RequestFuzzer fuzzer, bool malformed)
    {
        Interlocked.Increment(ref _sent);
        var random = fuzzer.Random;
        var (verb, template) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => (HttpMethod.Get, rule.Get),
            HttpRule.PatternOneofCase.Post => (HttpMethod.Post, rule.Post),
            HttpRule.PatternOneofCase.Put => (HttpMethod.Put, rule.Put),
            HttpRule.PatternOneofCase.Patch => (HttpMethod.Patch, rule.Patch),
            HttpRule.PatternOneofCase.Delete => (HttpMethod.Delete, rule.Delete),
            _ => throw new NotSupportedException(rule.PatternCase.ToString()),
        };
        var inPath = new HashSet<string>();
        var path = Regex.Replace(template, @"\{([^}=]+)\}", m =>
        {
            inPath.Add(m.Groups[1].Value);
            return Escape(Text(message, message.Descriptor.FindFieldByName(m.Groups[1].Value)));
        });
        var query = new List<string>();
        if (verb == HttpMethod.Get)
        {
            foreach (var field in message.Descriptor.Fields.InDeclarationOrder().Where(f => !inPath.Contains(f.Name)))
                AddQuery(query, field.JsonName, message, field);
            if (malformed)
            {
                string[] junk = ["pageSize=abc", "pageSize=1e99", "filter=BOGUS", "filter=-5", "includeOlder=maybe", "careTypes=99", "careTypes=CARE_TYPE_X",
                    "unknown=1", "%ZZ=1", "onOrAfter.year=abc", "onOrAfter=2026-01-01", "pc4s.pc4s=" + new string('1', 5000), "pageToken=%00", "insurerUzovi=&insurerUzovi=3311"];
                query.Add(junk[random.Next(junk.Length)]);
            }
        }
        var request = new HttpRequestMessage(verb, query.Count > 0 ? path + "?" + string.Join("&", query) : path);
        if (verb != HttpMethod.Get)
        {
            var json = rule.Body switch
            {
                "" => "",
                "*" => Json(message),
                var field => message.Descriptor.FindFieldByName(field) is { } f && f.Accessor.GetValue(message) is IMessage inner ? Json(inner) : "{}",
            };
            var bytes = malformed ? Malform(json, random) : Encoding.UTF8.GetBytes(json);
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(
                malformed && random.Next(6) == 0 ? (random.Next(2) == 0 ? "text/plain" : "application/x-www-form-urlencoded") : "application/json");
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, body);
        }
        catch (TaskCanceledException)
        {
            return (null, $"no answer within {CallDeadline.TotalSeconds} s");
        }
        catch (InvalidOperationException e) when (e.Message.Contains("null characters", StringComparison.Ordinal))
        {
            return (HttpStatusCode.BadRequest, "refused by the test server's client (Kestrel answers 400): " + e.Message); // %00 in the path
        }
        finally
        {
            Took($"{verb} {template} ({request.Content?.Headers.ContentLength ?? 0} bytes)", Stopwatch.GetElapsedTime(started));
        }
    }

    static string Escape(string text)
    {
        try
        {
            return Uri.EscapeDataString(text);
        }
        catch (UriFormatException)
        {
            return "x";
        }
    }

    static string Text(IMessage message, FieldDescriptor? field) => field?.Accessor.GetValue(message) switch
    {
        null => "",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString() ?? "",
    };

    static void AddQuery(List<string> query, string name, IMessage message, FieldDescriptor field)
    {
        var value = field.Accessor.GetValue(message);
        IEnumerable<object> values = field.IsRepeated ? ((System.Collections.IList)value).Cast<object>().Take(50) : [value];
        foreach (var v in values)
        {
            switch (v)
            {
                case null:
                    break;
                case IMessage inner:
                    foreach (var sub in inner.Descriptor.Fields.InDeclarationOrder().Where(f => f.FieldType != FieldType.Message))
                        AddQuery(query, $"{name}.{sub.JsonName}", inner, sub);
                    break;
                case string { Length: 0 } or 0 or 0L or 0d or false:
                    break;
                case System.Enum e:
                    var number = Convert.ToInt32(e, CultureInfo.InvariantCulture);
                    if (number != 0) query.Add($"{name}={Escape(field.EnumType.FindValueByNumber(number)?.Name ?? number.ToString(CultureInfo.InvariantCulture))}");
                    break;
                case bool b:
                    query.Add($"{name}={(b ? "true" : "false")}");
                    break;
                default:
                    query.Add($"{name}={Escape(v is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : v.ToString() ?? "")}");
                    break;
            }
        }
    }

    static string Json(IMessage message)
    {
        try
        {
            return JsonFormatter.Default.Format(message);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            return "{}"; // a value JSON cannot carry (a timestamp out of range): the malformed share covers such bodies
        }
    }

    /// <summary>JSON that is broken in one of the ways clients and attackers break it.</summary>
    static byte[] Malform(string json, Random random)
    {
        string text;
        switch (random.Next(12))
        {
            case 0: text = json.Length > 1 ? json[..random.Next(1, json.Length)] : "{"; break;
            case 1:
                string[] junk = ["", "{", "}", "null", "[]", "42", "\"text\"", "true", "{\"a\":}", "{,}", "{\"a\" 1}", "{'a':1}", "{\"a\":1,}", "\uFEFF{}", "{}{}", "[{}]"];
                text = junk[random.Next(junk.Length)];
                break;
            case 2: text = Regex.Replace(json, "\"[a-zA-Z]+\":\\s*(\"[^\"]*\"|-?[0-9.eE+]+|true|false)", m => random.Next(3) == 0 ? m.Value.Split(':')[0] + ":" + WrongType(random) : m.Value); break;
            case 3: text = json.Length > 1 ? json[..^1] + ",\"noSuchField\":" + WrongType(random) + "}" : "{\"noSuchField\":1}"; break;
            case 4:
                var depth = random.Next(60, 20_000);
                text = random.Next(2) == 0 ? new string('[', depth) + new string(']', depth) : string.Concat(Enumerable.Repeat("{\"search\":", depth)) + "{}" + new string('}', depth);
                break;
            case 5: text = "{\"freePlaces\":" + (random.Next(2) == 0 ? "1e400" : "99999999999999999999999") + ",\"version\":-1e400,\"radiusKm\":1e999,\"pageSize\":1.5}"; break;
            case 6:
                var bytes = Encoding.UTF8.GetBytes(json.Length > 2 ? json[..^1] + ",\"careSummary\":\"x" : "{\"careSummary\":\"x").ToList();
                bytes.AddRange(new byte[] { 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80 });
                bytes.AddRange(Encoding.UTF8.GetBytes("\"}"));
                return [.. bytes];
            case 7: text = "{\"careType\":\"CARE_TYPE_BOGUS\",\"careTypes\":[\"X\",99,null],\"filter\":{},\"startDate\":\"2026-01-01\",\"search\":[]}"; break;
            case 8: text = json.Replace("}", ",\"requestId\":\"dup\",\"requestId\":\"dup2\"}", StringComparison.Ordinal); break;
            case 9: text = "{\"careSummary\":\"" + new string('x', random.Next(100_000, RequestFuzzer.HugeLength)) + "\"}"; break;
            case 10: text = Regex.Replace(json, ":\\s*\\{", ":null,\"x\":{"); break;
            default: text = json.Replace("\"", "", StringComparison.Ordinal); break;
        }
        return Encoding.UTF8.GetBytes(text);
    }

    static string WrongType(Random random)
    {
        string[] values = ["\"x\"", "-1", "1.5", "1e308", "true", "null", "[]", "{}", "[1,2]", "{\"year\":\"x\"}", "\"\\u0000\"", "\"\\ud800\"", "-0", "\"NaN\"", "\"Infinity\""];
        return values[random.Next(values.Length)];
    }

    // ---- learning ids ----

    static void Learn(FuzzPools pools, IMessage response) => pools.Harvest(response);

    static readonly JsonParser Lenient = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    static void Learn(FuzzPools pools, string json, MessageDescriptor type)
    {
        try
        {
            pools.Harvest(Lenient.Parse(json, type));
        }
        catch (InvalidProtocolBufferException) { } // a body cut short for the report
        catch (InvalidJsonException) { }
    }

    // ---- Redis digests ----

    // Every key but the audit trail's, with a hash of its content and its expiry: what a refused
    // request must leave as it was. Content, not DUMP: a hash, set or sorted set in hashtable
    // encoding dumps in its table's order, which a mere lookup can change (incremental rehashing).
    const string DigestScript = """
        local function sorted(items) table.sort(items) return table.concat(items, '\0') end
        local out = {}
        for _, k in ipairs(redis.call('KEYS', '*')) do
          if string.sub(k, 1, 6) ~= 'audit:' then
            local t = redis.call('TYPE', k)['ok']
            local content
            if t == 'string' then content = redis.call('GET', k)
            elseif t == 'hash' then
              local flat, pairs = redis.call('HGETALL', k), {}
              for i = 1, #flat, 2 do pairs[#pairs + 1] = flat[i] .. '\1' .. flat[i + 1] end
              content = sorted(pairs)
            elseif t == 'set' then content = sorted(redis.call('SMEMBERS', k))
            elseif t == 'zset' then content = table.concat(redis.call('ZRANGE', k, 0, -1, 'WITHSCORES'), '\0')
            elseif t == 'list' then content = table.concat(redis.call('LRANGE', k, 0, -1), '\0')
            elseif t == 'stream' then
              local entries = {}
              for _, e in ipairs(redis.call('XRANGE', k, '-', '+')) do entries[#entries + 1] = e[1] .. '\1' .. table.concat(e[2], '\1') end
              content = table.concat(entries, '\0')
            else content = redis.call('DUMP', k) end
            out[#out + 1] = k
            out[#out + 1] = redis.sha1hex(t .. '|' .. content .. '|' .. redis.call('PEXPIRETIME', k))
          end
        end
        return out
        """;

    static async Task<Dictionary<string, string>> DigestAsync(IDatabase db)
    {
        var flat = (RedisResult[])(await db.ScriptEvaluateAsync(DigestScript))!;
        var digest = new Dictionary<string, string>(flat.Length / 2);
        for (var i = 0; i < flat.Length; i += 2) digest[(string)flat[i]!] = (string)flat[i + 1]!;
        return digest;
    }

    /// <summary>The digest once the follow-up of an accepted request (written after its answer) has landed.</summary>
    static async Task<Dictionary<string, string>> SettledDigestAsync(IDatabase db)
    {
        var digest = await DigestAsync(db);
        for (var i = 0; i < 40; i++)
        {
            await Task.Delay(25);
            var again = await DigestAsync(db);
            if (Changed(digest, again).Length == 0) return again;
            digest = again;
        }
        return digest;
    }

    static string Changed(Dictionary<string, string> before, Dictionary<string, string> after) => string.Join(", ",
        before.Keys.Union(after.Keys).Where(k => !before.TryGetValue(k, out var b) || !after.TryGetValue(k, out var a) || a != b)
            .Order(StringComparer.Ordinal).Take(20)
            .Select(k => before.ContainsKey(k) ? after.ContainsKey(k) ? $"{k} (changed)" : $"{k} (removed)" : $"{k} (added)"));

    // ---- set-up ----

    /// <summary>A small world on the host, from the test helpers: what a baseline request names.</summary>
    static async Task<FuzzPools> SeedAsync(CapacityApp app)
    {
        var pools = new FuzzPools();
        var (uzovi, agbs) = await app.ProvidersAsync("1183", 3, free: 5);
        var wide = await app.AddProviderAsync("1183", ["1181", "1182", "1183"]);
        await app.ContractAsync(wide, uzovi, CareType.DistrictNursing, CareType.PalliativeTerminal);
        await app.PublishAsync(wide, "1183", CareType.DistrictNursing, 2);
        pools.Add("uzovi", uzovi);
        foreach (var agb in agbs.Append(wide)) pools.Add("agb", agb);
        pools.Add("pc4", "1183");

        const string org = "fuzz-ziekenhuis";
        await app.Registry.UpsertRequestingOrganisationAsync(new UpsertRequestingOrganisationRequest
        {
            Organisation = new RequestingOrganisation
            {
                Code = org, Name = "Fuzz Ziekenhuis, transferbureau", Kind = OrganisationKind.Hospital,
                TransferDesk = new Contact { Phone = "020 123 4567", Email = "transfer@example.org", Hours = "dag en nacht" },
            },
        });
        pools.Add("org", org);

        var referrals = new List<Referral>();
        for (var i = 0; i < 3; i++) referrals.Add(await app.CreateAsync(ReferralData.NewReferral(uzovi, "1183", org: org)));
        pools.Harvest((await app.OfferAsync(referrals[0].Id, agbs[0])).Referral);
        pools.Harvest(await app.Referrals().EscalateReferralAsync(new EscalateReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = referrals[1].Id }));
        pools.Harvest(referrals[2]);
        pools.Harvest(await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = agbs[2], From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.StaffShortage },
        }));
        return pools;
    }

    // ---- bookkeeping ----

    // CAPACITY_FUZZ_SAMPLES=n prints up to n accepted mutated or wild requests per method: where to look for validation gaps.
    static readonly int Samples = int.TryParse(Environment.GetEnvironmentVariable("CAPACITY_FUZZ_SAMPLES"), out var n) ? n : 0;
    readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _accepted = new();

    void Sample(MethodDescriptor method, string kind, IMessage request)
    {
        var queue = _accepted.GetOrAdd(method.Name, _ => new());
        if (queue.Count < Samples) queue.Enqueue($"{kind}: {Cut(Json(request), 400)}");
    }

    readonly Lock _slowestLock = new();
    (TimeSpan Time, string Call) _slowest;

    void Took(string call, TimeSpan time)
    {
        lock (_slowestLock)
            if (time > _slowest.Time) _slowest = (time, call);
    }

    void Count(string share, string method, string outcome) => _counts.AddOrUpdate((share, method, outcome), 1, (_, n) => n + 1);

    void Fail(string share, MethodDescriptor method, string kind, string outcome, string detail, IMessage request)
    {
        var json = Json(request);
        _failures.Enqueue($"[{share}] {method.Service.Name}/{method.Name} ({kind}) → {outcome}: {Cut(detail, 600)}\n  request: {Cut(json, 1500)}");
    }

    static string Cut(string text, int max) => text.Length > max ? text[..max] + $"… ({text.Length} chars)" : text;

    void Report(TimeSpan elapsed)
    {
        var output = new StringBuilder();
        var total = _counts.Where(c => c.Key.Share != "quiet").Sum(c => c.Value);
        output.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Fuzz seed {Seed}: {total} requests in {elapsed.TotalSeconds:F1} s ({total / elapsed.TotalSeconds:F0}/s), {_failures.Count} failures; slowest answer {_slowest.Time.TotalMilliseconds:F0} ms ({_slowest.Call})"));
        foreach (var share in _counts.Keys.Select(k => k.Share).Distinct().Order())
        {
            var rows = _counts.Where(c => c.Key.Share == share).ToArray();
            output.AppendLine($"== {share}: {rows.Sum(r => r.Value)}; " + string.Join(", ",
                rows.GroupBy(r => r.Key.Outcome).OrderByDescending(g => g.Sum(r => r.Value)).Select(g => $"{g.Key} {g.Sum(r => r.Value)}")));
            foreach (var method in rows.GroupBy(r => r.Key.Method).OrderBy(g => g.Key, StringComparer.Ordinal))
                output.AppendLine($"   {method.Key,-30} {method.Sum(r => r.Value),6}  " + string.Join(", ",
                    method.OrderByDescending(r => r.Value).Select(r => $"{r.Key.Outcome} {r.Value}")));
        }
        foreach (var (method, accepted) in _accepted.Where(a => !a.Value.IsEmpty).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            output.AppendLine($"accepted {method}:");
            foreach (var request in accepted) output.AppendLine("   " + request);
        }
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());
        Console.WriteLine(output.ToString());
    }
}

/// <summary>
/// The fuzzer runs alone, after the other tests: it keeps both cores busy for its 90 s, which
/// would slow the others past their push deadlines, and they would keep it from its count.
/// </summary>
[CollectionDefinition(nameof(FuzzTests), DisableParallelization = true)]
public sealed class FuzzCollection;
