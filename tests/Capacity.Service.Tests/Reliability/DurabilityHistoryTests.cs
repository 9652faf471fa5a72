using System.Collections.Concurrent;
using System.Diagnostics;
using Capacity.Service.Referrals;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Reliability;

/// <summary>
/// Durability, Jepsen-style: concurrent clients take referral steps while the redis-server under
/// the service is killed (SIGKILL) and started again on its append-only file (appendfsync
/// everysec, as docker-compose.yml and demo.sh run it). Every call goes into a history with its
/// outcome — acknowledged, refused, or unknown (a failure that does not say whether the step
/// happened: Redis went away under it). Afterwards everything is read back through the public API:
/// every acknowledged step must be there, and every unknown one, retried with its request id, must
/// have happened exactly once. Nothing here asserts a duration.
/// </summary>
public sealed class DurabilityHistoryTests
{
    const string Area = "1071";
    const int Clients = 6;
    static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task EveryAcknowledgedStepSurvivesAKilledRedisAndARetriedUnknownStepHappensOnce()
    {
        var output = TestContext.Current.TestOutputHelper!;
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisProcess.StartAsync("--appendonly", "yes", "--appendfsync", "everysec");
        await using var app = CapacityApp.On(redis.Configuration).With("Redis:OperationTimeout", "00:00:01"); // as in production
        await app.InitializeAsync();
        // Three providers with room to spare: a decline leaves untried ones (the referral returns to
        // its requester instead of escalating), and no offer is refused for want of a place.
        var (uzovi, agbs) = await app.ProvidersAsync(Area, 3, free: 500);
        var org = "durability-" + Guid.NewGuid().ToString("N")[..8];
        using var channel = app.CreateChannel();
        var referrals = new ReferralService.ReferralServiceClient(channel);
        var offers = new OfferService.OfferServiceClient(channel);
        var history = new History();

        // Load; kill Redis mid-load; start it again on the same files; let the clients carry on.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var seed = Environment.TickCount;
        var clients = Enumerable.Range(0, Clients)
            .Select(i => Task.Run(() => ClientAsync(new Random(seed + i), history, referrals, offers, org, uzovi, agbs, stop.Token), ct)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        history.Killed = history.Clock.Elapsed;
        redis.Kill();
        await Task.Delay(TimeSpan.FromSeconds(0.5), ct);
        await redis.RestartAsync();
        history.Restarted = history.Clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        // The service must find Redis again by itself (a liveness bound, not a performance one).
        Assert.True(await ReferralData.EventuallyAsync(async () => await Answers(() => referrals.ListReferralsAsync(new ListReferralsRequest { RequesterOrg = org }).ResponseAsync),
            ok => ok, TimeSpan.FromSeconds(30)), "the service did not answer within 30 s of Redis answering again");

        var calls = history.Calls.OrderBy(c => c.Seq).ToArray();
        var unknown = calls.Where(c => c.Outcome == Outcome.Unknown).ToArray();

        // Which unknown steps had happened, as far as the service can tell before any retry.
        var beforeRetry = await ListAllAsync(referrals, org);
        var happened = 0;
        foreach (var call in unknown)
            if (await TookEffectAsync(call, referrals, beforeRetry)) happened++;

        // Retry each unknown step twice with its own request id: both answers must agree (the first
        // answer stands), and the step must then have happened exactly once.
        var inconsistent = new List<string>();
        foreach (var call in unknown)
        {
            var first = await Retry(call);
            var second = await Retry(call);
            call.Retried = first;
            if (first is null || second is null) inconsistent.Add($"#{call.Seq} {call.Op}: a retry after recovery failed");
            else if (!SameAnswer(call, first, second)) inconsistent.Add($"#{call.Seq} {call.Op}: two retries answered differently");
        }

        // Steps cut off half-way may have left follow-ups (indexes, holds) to the sweeper: let their
        // grace period pass on the host's clock and wait until none is pending.
        app.Time.Advance(TimeSpan.FromSeconds(11));
        var store = app.Services.GetRequiredService<ReferralStore>();
        await ReferralData.EventuallyAsync(() => store.PendingDueAsync(DateTimeOffset.MaxValue, 10), p => p.Count == 0, TimeSpan.FromSeconds(10));

        // Read everything back through the public API.
        var listed = await ListAllAsync(referrals, org);
        var lost = new List<string>();
        foreach (var call in calls.Where(c => c.Outcome == Outcome.Acked))
            if (await MissingAsync(call, call.Response!, referrals, listed) is { } why)
                lost.Add($"#{call.Seq} {call.Op} ({call.Phase(history)}, acknowledged {(history.Killed - call.Ended).TotalMilliseconds:0} ms before the kill): {why}");
        foreach (var call in unknown.Where(c => c.Retried is not null))
            if (await MissingAsync(call, call.Retried!, referrals, listed) is { } why) inconsistent.Add($"#{call.Seq} {call.Op} after its retry: {why}");
        var duplicates = listed.GroupBy(r => r.PatientRef).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(r => r.Id))}").ToArray();

        var acked = calls.Count(c => c.Outcome == Outcome.Acked);
        output.WriteLine($"history: {calls.Length} calls by {Clients} clients (seed {seed}); Redis killed at {history.Killed.TotalSeconds:0.00} s, answering again at {history.Restarted.TotalSeconds:0.00} s");
        output.WriteLine($"acked {acked} (before the kill {calls.Count(c => c.Outcome == Outcome.Acked && c.Phase(history) == "before")}, "
            + $"started while Redis was down {calls.Count(c => c.Outcome == Outcome.Acked && c.Phase(history) == "down")}, "
            + $"after the restart {calls.Count(c => c.Outcome == Outcome.Acked && c.Phase(history) == "after")}), "
            + $"refused {calls.Count(c => c.Outcome == Outcome.Refused)}, unknown {unknown.Length}");
        output.WriteLine("unknown by status: " + string.Join(", ", unknown.GroupBy(c => c.Status?.ToString() ?? "transport").Select(g => $"{g.Key} {g.Count()}")));
        output.WriteLine("unknown by step: " + string.Join(", ", unknown.GroupBy(c => c.Op).Select(g => $"{g.Key} {g.Count()}")));
        output.WriteLine($"lost {lost.Count}; retried {unknown.Length} (had taken effect before the retry {happened}, had not {unknown.Length - happened}); "
            + $"inconsistent after retry {inconsistent.Count}; duplicate referrals {duplicates.Length}");
        foreach (var line in lost.Concat(inconsistent).Concat(duplicates)) output.WriteLine("  " + line);
        if (lost.Count > 0)
            output.WriteLine("  (steps acknowledged up to ~2 s before the kill can be lost when a background fsync lagged: README, Operations: durability, 'When fsync lags')");
        foreach (var refused in calls.Where(c => c.Outcome == Outcome.Refused).Take(5)) output.WriteLine($"  refused #{refused.Seq} {refused.Op}: {refused.Status} {refused.Detail}");

        Assert.True(acked > 0, "no step was acknowledged: the history proves nothing");
        Assert.Empty(lost);
        Assert.Empty(inconsistent);
        Assert.Empty(duplicates);
    }

    /// <summary>One client: journeys of a referral (create → offer → accept, or decline then cancel, or cancel), one after the other.</summary>
    static async Task ClientAsync(Random random, History history, ReferralService.ReferralServiceClient referrals, OfferService.OfferServiceClient offers,
        string org, string uzovi, string[] agbs, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var create = ReferralData.NewReferral(uzovi, Area, org: org);
            if (await history.CallAsync("create", null, create, () => referrals.CreateReferralAsync(create, deadline: Deadline()).ResponseAsync) is not { } created)
            {
                await Task.Delay(100); // an unknown or refused step ends the journey (unknown ones are retried after recovery); a client backs off a little
                continue;
            }
            var agb = agbs[random.Next(agbs.Length)];
            var offer = new OfferReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = created.Id, ProviderAgbs = { agb } };
            if (await history.CallAsync("offer", created.Id, offer, () => referrals.OfferReferralAsync(offer, deadline: Deadline()).ResponseAsync) is not { } offered
                || offered.Referral.Offers.FirstOrDefault(o => o.Provider.Agb == agb && o.State == OfferState.Pending) is not { } made)
            {
                await Task.Delay(100);
                continue;
            }
            var choice = random.Next(3);
            if (choice < 2)
            {
                var answer = new AnswerOfferRequest
                {
                    RequestId = ReferralData.NewRequestId(), ReferralId = created.Id, OfferId = made.Id, ProviderAgb = agb, Accept = choice == 0,
                    DeclineReason = choice == 0 ? DeclineReason.Unspecified : DeclineReason.NoStaff,
                };
                if (await history.CallAsync(choice == 0 ? "accept" : "decline", created.Id, answer, () => offers.AnswerOfferAsync(answer, deadline: Deadline()).ResponseAsync) is null
                    || choice == 0)
                    continue;
            }
            var cancel = new CancelReferralRequest { RequestId = ReferralData.NewRequestId(), ReferralId = created.Id };
            await history.CallAsync("cancel", created.Id, cancel, () => referrals.CancelReferralAsync(cancel, deadline: Deadline()).ResponseAsync);
        }
    }

    static DateTime Deadline() => DateTime.UtcNow + CallDeadline;

    /// <summary>Null when what the acknowledged (or retried) step did is there, else what is missing.</summary>
    static async Task<string?> MissingAsync(Call call, IMessage answer, ReferralService.ReferralServiceClient referrals, IReadOnlyList<Referral> listed)
    {
        var acked = ReferralOf(answer);
        Referral stored;
        try
        {
            stored = (await referrals.GetReferralAsync(new GetReferralRequest { ReferralId = acked.Id })).Referral;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return $"referral {acked.Id} is gone";
        }
        if (stored.Version < acked.Version) return $"referral {acked.Id} is at version {stored.Version}, older than the {acked.Version} acknowledged";
        if (listed.Count(r => r.Id == acked.Id) != 1) return $"referral {acked.Id} is not in its organisation's lists";
        var request = call.Request;
        return call.Op switch
        {
            "create" when stored.PatientRef != ((CreateReferralRequest)request).PatientRef => $"referral {acked.Id} is another patient's",
            "offer" => acked.Offers.Where(o => o.State == OfferState.Pending && ((OfferReferralRequest)request).ProviderAgbs.Contains(o.Provider.Agb))
                .Select(o => o.Id).FirstOrDefault(id => stored.Offers.Count(s => s.Id == id) != 1) is { } id ? $"offer {id} is not recorded once" : null,
            "accept" => OfferStateIs(stored, ((AnswerOfferRequest)request).OfferId, OfferState.Accepted),
            "decline" => OfferStateIs(stored, ((AnswerOfferRequest)request).OfferId, OfferState.Declined),
            "cancel" when stored.State != ReferralState.Cancelled => $"referral {acked.Id} is {stored.State}, not cancelled",
            _ => null,
        };
    }

    static string? OfferStateIs(Referral stored, string offerId, OfferState expected) =>
        stored.Offers.SingleOrDefault(o => o.Id == offerId)?.State == expected ? null : $"offer {offerId} is not {expected}";

    /// <summary>Whether an unknown step shows in the stored state (before it is retried).</summary>
    static async Task<bool> TookEffectAsync(Call call, ReferralService.ReferralServiceClient referrals, IReadOnlyList<Referral> listed)
    {
        if (call.Request is CreateReferralRequest create) return listed.Any(r => r.PatientRef == create.PatientRef);
        Referral stored;
        try
        {
            stored = (await referrals.GetReferralAsync(new GetReferralRequest { ReferralId = call.ReferralId })).Referral;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return false; // its referral is gone: counted as lost, for the acknowledged create
        }
        return call.Request switch
        {
            OfferReferralRequest offer => stored.Offers.Any(o => offer.ProviderAgbs.Contains(o.Provider.Agb)),
            AnswerOfferRequest answer => stored.Offers.Any(o => o.Id == answer.OfferId && o.State is OfferState.Accepted or OfferState.Declined),
            _ => stored.State == ReferralState.Cancelled,
        };
    }

    static async Task<IMessage?> Retry(Call call)
    {
        try
        {
            return await call.Send();
        }
        catch (RpcException)
        {
            return null;
        }
    }

    /// <summary>A create's retry answers the referral as it is now (the same id); every other step's retry answers the stored first answer.</summary>
    static bool SameAnswer(Call call, IMessage first, IMessage second) =>
        call.Op == "create" ? ReferralOf(first).Id == ReferralOf(second).Id : first.Equals(second);

    static Referral ReferralOf(IMessage answer) => answer switch
    {
        Referral r => r,
        OfferReferralResponse o => o.Referral,
        AnswerOfferResponse a => a.Referral,
        _ => throw new InvalidOperationException($"no referral in {answer.GetType().Name}"),
    };

    static async Task<bool> Answers(Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    static async Task<IReadOnlyList<Referral>> ListAllAsync(ReferralService.ReferralServiceClient referrals, string org)
    {
        var all = new List<Referral>();
        foreach (var filter in new[] { ReferralListFilter.Active, ReferralListFilter.Placed, ReferralListFilter.Ended })
        {
            var token = "";
            do
            {
                var page = await referrals.ListReferralsAsync(new ListReferralsRequest { RequesterOrg = org, Filter = filter, PageSize = 200, PageToken = token });
                all.AddRange(page.Referrals);
                token = page.NextPageToken;
            } while (token.Length > 0);
        }
        return all;
    }

    enum Outcome { Acked, Refused, Unknown }

    sealed class Call(int seq, string op, string? referralId, IMessage request, Func<Task<IMessage>> send, TimeSpan started)
    {
        public int Seq => seq;
        public string Op => op;
        public string? ReferralId => referralId;
        public IMessage Request => request;
        public Func<Task<IMessage>> Send => send;
        public TimeSpan Started => started;
        public TimeSpan Ended { get; set; }
        public Outcome Outcome { get; set; }
        public StatusCode? Status { get; set; }
        public string? Detail { get; set; }
        public IMessage? Response { get; set; }
        public IMessage? Retried { get; set; }

        public string Phase(History h) => Started < h.Killed ? "before" : Started < h.Restarted ? "down" : "after";
    }

    sealed class History
    {
        int _seq;
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public ConcurrentBag<Call> Calls { get; } = [];
        public TimeSpan Killed { get; set; } = TimeSpan.MaxValue;
        public TimeSpan Restarted { get; set; } = TimeSpan.MaxValue;

        /// <summary>Sends a step and records its outcome; the answer if acknowledged, else null.</summary>
        public async Task<T?> CallAsync<T>(string op, string? referralId, IMessage request, Func<Task<T>> send) where T : class, IMessage
        {
            var call = new Call(Interlocked.Increment(ref _seq), op, referralId, request, async () => await send(), Clock.Elapsed);
            Calls.Add(call);
            try
            {
                var answer = await send();
                (call.Outcome, call.Response, call.Ended) = (Outcome.Acked, answer, Clock.Elapsed);
                return answer;
            }
            catch (RpcException e)
            {
                // Whether these happened cannot be told from the answer: Redis went away under the call.
                call.Outcome = e.StatusCode is StatusCode.Unavailable or StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Internal
                    or StatusCode.Cancelled or StatusCode.Aborted ? Outcome.Unknown : Outcome.Refused;
                (call.Status, call.Detail) = (e.StatusCode, e.Status.Detail);
                return null;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                (call.Outcome, call.Detail) = (Outcome.Unknown, e.Message); // transport
                return null;
            }
        }
    }
}
