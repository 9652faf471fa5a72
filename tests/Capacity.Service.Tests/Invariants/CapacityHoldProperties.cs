using System.Globalization;
using Capacity.Service.Capacity;
using Capacity.Service.Referrals;
using Capacity.Service.Registry;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using TestData = Capacity.Service.Tests.Infrastructure.TestData;

namespace Capacity.Service.Tests.Invariants;

/// <summary>
/// A host whose sweeper never runs by itself: the properties sweep when their model does, so that
/// expiry happens at a step of the sequence, not at a moment of the machine's choosing.
/// </summary>
public sealed class SweepOnDemandApp : CapacityApp
{
    public SweepOnDemandApp() => With("Referrals:SweepInterval", "01:00:00");
}

/// <summary>
/// Capacity figures and holds on the real Redis, driven by random sequences of what the service
/// does to them — publications with versions in any order, holds by one or two calls, offers
/// recorded, calls giving up, offers ending in a release or an accept, deadlines passing — and
/// compared after every step with a plain model of what DOMAIN rule 7 and the versioning promise.
/// Each case is a new provider in Assen (9401, 9402), which no other test class uses.
/// </summary>
public sealed class CapacityHoldProperties(SweepOnDemandApp app) : IClassFixture<SweepOnDemandApp>
{
    const int Sequences = 60, ConcurrentCases = 30;
    static readonly int[] Areas = [9401, 9402];
    static readonly CareType[] Types = [CareType.DistrictNursing, CareType.NightCare];

    /// <summary>Four figures: two areas × two care types.</summary>
    static (int Pc4, CareType CareType) CellOf(int cell) => (Areas[cell / 2], Types[cell % 2]);

    HoldStore Holds => app.Services.GetRequiredService<HoldStore>();

    IDatabase Redis => app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    // ---- operations -------------------------------------------------------------------------

    public abstract record Op;

    /// <summary>The provider publishes a figure (its own version, possibly older than one already sent).</summary>
    public sealed record Publish(int Cell, long Version, int Free, int FromDays) : Op;

    /// <summary>A call holds a place for hold <paramref name="Hold"/>, as an offer would (checking freshness and start day) or bare.</summary>
    public sealed record TakeHold(int Cell, int Hold, string Owner, bool AsOffer, int StartDays) : Op;

    /// <summary>The offer of the hold is recorded, with its deadline.</summary>
    public sealed record Record(int Cell, int Hold, int DeadlineMinutes) : Op;

    /// <summary>A call gives up its share of a hold whose offer it did not record.</summary>
    public sealed record Abandon(int Cell, int Hold, string Owner) : Op;

    /// <summary>The offer ends: accepted (the place is consumed) or not (released); then its due entry is forgotten.</summary>
    public sealed record End(int Cell, int Hold, bool Accepted) : Op;

    /// <summary>The provider stops serving 9402 and then serves it again: its figures there are forgotten, its holds stand.</summary>
    public sealed record Reregister : Op;

    /// <summary>Time passes; the sweeper ends the holds whose deadline passed.</summary>
    public sealed record Advance(int Minutes) : Op;

    static readonly Gen<Op> Ops = Gen.Frequency(
        (3, from cell in Cells from v in Gen.Choose(1, 6) from free in Gen.Choose(0, 3) from days in Gen.Choose(-1, 3)
            select (Op)new Publish(cell, v, free, days)),
        (5, from cell in Cells from h in Gen.Choose(0, 2) from owner in Gen.Elements("a", "b") from asOffer in Gen.Elements(true, false)
            from start in Gen.Choose(0, 3) select (Op)new TakeHold(cell, h, owner, asOffer, start)),
        (2, from cell in Cells from h in Gen.Choose(0, 2) from minutes in Gen.Choose(5, 120) select (Op)new Record(cell, h, minutes)),
        (2, from cell in Cells from h in Gen.Choose(0, 2) from owner in Gen.Elements("a", "b") select (Op)new Abandon(cell, h, owner)),
        (2, from cell in Cells from h in Gen.Choose(0, 2) from accepted in Gen.Elements(true, false) select (Op)new End(cell, h, accepted)),
        (1, Gen.Frequency((5, Gen.Choose(1, 90)), (1, Gen.Constant(25 * 60))).Select(m => (Op)new Advance(m))),
        (1, Gen.Fresh(() => (Op)new Reregister())));

    // Mostly two figures, so that holds and publications meet on them.
    static Gen<int> Cells => Gen.Frequency((5, Gen.Choose(0, 1)), (1, Gen.Choose(2, 3)));

    public sealed record Sequence(Op[] Steps)
    {
        public override string ToString() => string.Join("\n", Steps.Select((s, i) => $"  {i + 1}. {s}"));

        public IEnumerable<Sequence> Shrink()
        {
            if (Steps.Length > 1) yield return new Sequence(Steps[..(Steps.Length / 2)]);
            for (var i = 0; i < Steps.Length; i++) yield return new Sequence(Steps.Where((_, j) => j != i).ToArray());
        }
    }

    // ---- the model --------------------------------------------------------------------------

    sealed class Figure
    {
        public long Version;
        public int Free;
        public DateOnly From;
        public DateTimeOffset PublishedAt;
    }

    sealed class HoldState(int cell, string owner)
    {
        public int Cell { get; } = cell;
        public HashSet<string> Owners { get; } = [owner];
        public bool Recorded { get; set; }
    }

    sealed class Model
    {
        public readonly Figure?[] Figures = new Figure?[4];
        public readonly int[] Held = new int[4];
        public readonly long[] HighestPublished = new long[4];
        /// <summary>The provider published fewer places than were held (it may: holds come out of the figure); until they are back in balance, held may exceed free.</summary>
        public readonly bool[] PublishedBelowHeld = new bool[4];
        public readonly Dictionary<string, HoldState> Holds = [];
        public readonly HashSet<string> Ended = [];
        public readonly Dictionary<string, DateTimeOffset> Due = [];

        /// <summary>Ends a hold as the end script does: marker always; the place back (or consumed) if the hold is still there.</summary>
        public bool EndHold(string id, bool consume)
        {
            Ended.Add(id);
            if (!Holds.Remove(id, out var hold)) return false;
            Held[hold.Cell]--;
            if (consume && Figures[hold.Cell] is { } f) f.Free = Math.Max(0, f.Free - 1);
            return true;
        }
    }

    // ---- the properties ---------------------------------------------------------------------

    [Fact]
    public async Task FiguresAndHoldsFollowTheModelThroughRandomSequences()
    {
        var sequences = Arb.From(
            // Most sequences start with figures on the two busy cells, so that holds find something to take.
            from opening in Gen.Frequency((1, Gen.Constant(Array.Empty<Op>())), (4, Gen.CollectToArray([0, 1], cell =>
                from v in Gen.Choose(1, 3) from free in Gen.Choose(1, 3) select (Op)new Publish(cell, v, free, 0))))
            from n in Gen.Choose(5, 30) from steps in Gen.ArrayOf(Ops, n) select new Sequence([.. opening, .. steps]),
            s => s.Shrink());

        // FsCheck waits for an asynchronous property by blocking; off the test's context, so nothing waits on itself.
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(Sequences).WithQuietOnSuccess(true),
            Prop.ForAll(sequences, async sequence =>
            {
                await RunAsync(sequence);
                return true;
            })), TestContext.Current.CancellationToken);
    }

    async Task RunAsync(Sequence sequence)
    {
        var agb = await app.AddProviderAsync("9401", ["9401", "9402"]);
        var model = new Model();
        string HoldId(int cell, int hold) => $"{agb}-c{cell}-h{hold}";
        Hold HoldOf(int cell, int hold, DateTimeOffset deadline)
        {
            var (pc4, careType) = CellOf(cell);
            return new Hold(HoldId(cell, hold), agb, pc4, careType, deadline, $"prop-{agb}-{cell}-{hold}", "offer");
        }

        for (var i = 0; i < sequence.Steps.Length; i++)
        {
            var step = sequence.Steps[i];
            var now = app.Time.GetUtcNow();
            var today = MatchScenario.AmsterdamDay(now);
            string Fail(string what) => $"step {i + 1} ({step}): {what}";

            switch (step)
            {
                case Publish p:
                {
                    var (pc4, careType) = CellOf(p.Cell);
                    var result = await app.PublishAsync(agb, pc4.ToString(CultureInfo.InvariantCulture), careType, p.Free, p.Version, today.AddDays(p.FromDays));
                    var stored = model.Figures[p.Cell];
                    var applies = p.Version > (stored?.Version ?? 0);
                    if (applies && p.Free < model.Held[p.Cell]) model.PublishedBelowHeld[p.Cell] = true;
                    if (applies)
                        model.Figures[p.Cell] = new Figure { Version = p.Version, Free = p.Free, From = p.FromDays > 0 ? today.AddDays(p.FromDays) : today, PublishedAt = now };
                    model.HighestPublished[p.Cell] = Math.Max(model.HighestPublished[p.Cell], p.Version);
                    Assert.True(result.Applied == applies, Fail($"applied {result.Applied}, expected {applies} over version {stored?.Version}"));
                    Assert.True(result.StoredVersion == model.Figures[p.Cell]!.Version, Fail($"stored version {result.StoredVersion}"));
                    break;
                }
                case TakeHold t:
                {
                    var id = HoldId(t.Cell, t.Hold);
                    var result = await Holds.HoldAsync(HoldOf(t.Cell, t.Hold, now.AddMinutes(30)), t.Owner,
                        t.AsOffer ? now - MatchOracle.Freshness : null, t.AsOffer ? today.AddDays(t.StartDays) : null);
                    var figure = model.Figures[t.Cell];
                    var heldBefore = model.Held[t.Cell];
                    HoldOutcome expected;
                    if (figure is null) expected = HoldOutcome.NoCapacity;
                    else if (model.Holds.TryGetValue(id, out var existing))
                    {
                        if (!existing.Recorded) existing.Owners.Add(t.Owner);
                        expected = HoldOutcome.AlreadyHeld;
                    }
                    else if (figure.Free - heldBefore <= 0) expected = HoldOutcome.NoPlace;
                    else if (model.Ended.Contains(id)) expected = HoldOutcome.Ended;
                    else if (t.AsOffer && (figure.PublishedAt < now - MatchOracle.Freshness || figure.From > today.AddDays(t.StartDays))) expected = HoldOutcome.NotOffered;
                    else
                    {
                        expected = HoldOutcome.Held;
                        model.Held[t.Cell]++;
                        model.Holds[id] = new HoldState(t.Cell, t.Owner);
                    }
                    Assert.True(result.Outcome == expected, Fail($"{result.Outcome}, expected {expected}"));
                    if (figure is not null)
                    {
                        Assert.True(result.Cell is { } seen && seen.FreePlaces == figure.Free && seen.Held == heldBefore,
                            Fail($"saw {result.Cell?.FreePlaces} free, {result.Cell?.Held} held; expected {figure.Free} free, {heldBefore} held"));
                    }
                    if (result.Outcome == HoldOutcome.Held)
                        Assert.True(result.Cell!.Value.FreePlaces - result.Cell.Value.Held > 0, Fail("held a place that was not there"));
                    break;
                }
                case Record r:
                {
                    var id = HoldId(r.Cell, r.Hold);
                    var deadline = now.AddMinutes(r.DeadlineMinutes);
                    await Holds.RecordAsync(HoldOf(r.Cell, r.Hold, deadline));
                    if (model.Holds.TryGetValue(id, out var hold))
                    {
                        hold.Recorded = true;
                        hold.Owners.Clear();
                    }
                    model.Due[id] = deadline;
                    break;
                }
                case Abandon a:
                {
                    var id = HoldId(a.Cell, a.Hold);
                    var gaveBack = await Holds.AbandonAsync(CellOf(a.Cell).Pc4, id, a.Owner);
                    var expected = false;
                    if (model.Holds.TryGetValue(id, out var hold) && !hold.Recorded)
                    {
                        hold.Owners.Remove(a.Owner);
                        if (hold.Owners.Count == 0)
                        {
                            model.Holds.Remove(id);
                            model.Held[a.Cell]--;
                            expected = true;
                        }
                    }
                    Assert.True(gaveBack == expected, Fail($"gave the place back: {gaveBack}, expected {expected}"));
                    break;
                }
                case End e:
                {
                    var id = HoldId(e.Cell, e.Hold);
                    var pc4 = CellOf(e.Cell).Pc4;
                    var ended = e.Accepted ? await Holds.ConsumeAsync(pc4, id) : await Holds.ReleaseAsync(pc4, id);
                    await Holds.ForgetAsync(HoldOf(e.Cell, e.Hold, now));
                    var expected = model.EndHold(id, e.Accepted);
                    model.Due.Remove(id);
                    Assert.True(ended == expected, Fail($"ended: {ended}, expected {expected}"));
                    break;
                }
                case Reregister:
                {
                    foreach (var served in new[] { new[] { "9401" }, ["9401", "9402"] })
                        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest
                        {
                            Provider = new Provider { Agb = agb, Name = $"Provider {agb}", BasePc4 = "9401", ServedPc4S = { served }, Qualifications = new Qualifications() },
                        });
                    for (var cell = 0; cell < 4; cell++)
                    {
                        if (CellOf(cell).Pc4 != 9402) continue;
                        model.Figures[cell] = null; // a figure there now starts afresh, whatever its version
                        model.HighestPublished[cell] = 0;
                    }
                    break;
                }
                case Advance adv:
                {
                    now = now.AddMinutes(adv.Minutes);
                    app.Time.SetUtcNow(now);
                    await SweepAsync(now);
                    foreach (var (id, _) in model.Due.Where(d => d.Value <= now).ToList())
                    {
                        model.EndHold(id, consume: false); // no referral knows the offer: the sweeper releases the place
                        model.Due.Remove(id);
                    }
                    break;
                }
            }
            await CompareAsync(agb, model, Fail);
        }

        // The end of every case: every recorded offer's deadline passes, and its place comes back.
        if (model.Due.Count > 0)
        {
            var later = model.Due.Values.Max().AddMinutes(1);
            app.Time.SetUtcNow(later);
            await SweepAsync(later);
            foreach (var id in model.Due.Keys.ToList()) model.EndHold(id, consume: false);
            model.Due.Clear();
            await CompareAsync(agb, model, what => $"after every deadline passed: {what}");
        }
    }

    public sealed record Race((long Version, int Free)[] Writes, int Holds)
    {
        public override string ToString() => $"publish {string.Join(", ", Writes.Select(w => $"v{w.Version}:{w.Free}"))} while {Holds} holds race";
    }

    [Fact]
    public async Task RacingPublicationsKeepTheHighestVersionAndRacingHoldsTakeOnlyPlacesThatAreThere()
    {
        var races = Arb.From(
            from writes in Gen.NonEmptyListOf(from v in Gen.Choose(1, 12) from free in Gen.Choose(0, 4) select ((long)v, free))
            from holds in Gen.Choose(0, 12)
            select new Race(writes.Take(12).ToArray(), holds));

        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(ConcurrentCases).WithQuietOnSuccess(true),
            Prop.ForAll(races, async race =>
            {
                await RaceAsync(race);
                return true;
            })), TestContext.Current.CancellationToken);
    }

    async Task RaceAsync(Race race)
    {
        var agb = await app.AddProviderAsync("9401", ["9401"]);
        var nursing = CareType.DistrictNursing;
        var publications = race.Writes.Select(w => Task.Run(() => app.PublishAsync(agb, "9401", nursing, w.Free, w.Version))).ToArray();
        var holds = Enumerable.Range(0, race.Holds).Select(i => Task.Run(() =>
            Holds.HoldAsync(new Hold($"{agb}-race-{i}", agb, 9401, nursing, app.Time.GetUtcNow().AddMinutes(30), $"race-{agb}", $"offer-{i}"), "race"))).ToArray();
        var written = await Task.WhenAll(publications);
        var held = await Task.WhenAll(holds);

        var highest = race.Writes.Max(w => w.Version);
        var figure = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.Single();
        Assert.Equal(highest, figure.Version);
        var winners = race.Writes.Zip(written).Where(x => x.First.Version == highest && x.Second.Applied).ToArray();
        Assert.True(winners.Length == 1, $"{winners.Length} writes of version {highest} applied");
        Assert.Equal(winners[0].First.Free, figure.FreePlaces);
        foreach (var (w, result) in race.Writes.Zip(written))
        {
            Assert.True(result.StoredVersion >= w.Version, $"v{w.Version} answered with stored version {result.StoredVersion}");
            if (result.Applied) Assert.Equal(w.Version, result.StoredVersion);
        }

        // Every hold won had a place free when it was taken; every refusal found none; the count is the holds won.
        foreach (var h in held)
        {
            if (h.Outcome == HoldOutcome.Held) Assert.True(h.Cell!.Value.FreePlaces - h.Cell.Value.Held > 0, $"held with {h.Cell.Value.FreePlaces} free and {h.Cell.Value.Held} held");
            else if (h.Outcome == HoldOutcome.NoPlace) Assert.True(h.Cell!.Value.FreePlaces - h.Cell.Value.Held <= 0, "refused although a place was free");
            else Assert.Equal(HoldOutcome.NoCapacity, h.Outcome);
        }
        var won = held.Count(h => h.Outcome == HoldOutcome.Held);
        Assert.Equal(won, figure.HeldPlaces);
        Assert.Equal(won, (await Redis.HashKeysAsync(HoldStore.Keys.Holds(9401))).Count(k => ((string)k!).StartsWith(agb, StringComparison.Ordinal)));
    }

    /// <summary>One sweep, repeated while due holds are left (a sweep takes at most a batch).</summary>
    async Task SweepAsync(DateTimeOffset now)
    {
        var sweeper = app.Services.GetRequiredService<ReferralSweeper>();
        for (var pass = 0; pass < 20; pass++)
        {
            await sweeper.SweepAsync();
            if ((await Holds.DueAsync(now, 1)).Count == 0) return;
        }
        Assert.Fail("due holds are left after 20 sweeps");
    }

    /// <summary>The stored figures, holds and due entries against the model, and the invariants stated on their own.</summary>
    async Task CompareAsync(string agb, Model model, Func<string, string> fail)
    {
        var figures = (await app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures;
        for (var cell = 0; cell < 4; cell++)
        {
            var (pc4, careType) = CellOf(cell);
            var stored = figures.SingleOrDefault(f => f.Pc4 == pc4.ToString(CultureInfo.InvariantCulture) && f.CareType == careType);
            var expected = model.Figures[cell];
            if (expected is null)
            {
                Assert.True(stored is null, fail($"figure {pc4}/{careType} stored, none published"));
                continue;
            }
            Assert.True(stored is not null, fail($"figure {pc4}/{careType} missing"));
            Assert.True(stored.FreePlaces >= 0 && stored.HeldPlaces >= 0, fail($"{pc4}/{careType}: {stored.FreePlaces} free, {stored.HeldPlaces} held"));
            // Holds and accepts alone never hold more places than the figure has.
            if (model.Held[cell] <= expected.Free) model.PublishedBelowHeld[cell] = false;
            Assert.True(stored.HeldPlaces <= stored.FreePlaces || model.PublishedBelowHeld[cell],
                fail($"{pc4}/{careType}: {stored.HeldPlaces} held of {stored.FreePlaces} free, though no publication lowered the figure below the holds"));
            Assert.True(stored.Version == model.HighestPublished[cell],
                fail($"{pc4}/{careType}: version {stored.Version} stored, the highest published is {model.HighestPublished[cell]}"));
            Assert.True((stored.FreePlaces, stored.HeldPlaces, stored.AvailableFrom.ToDateOnly(), stored.PublishedAt.ToDateTimeOffset())
                    == (expected.Free, model.Held[cell], expected.From, expected.PublishedAt),
                fail($"{pc4}/{careType}: stored {stored.FreePlaces} free, {stored.HeldPlaces} held, from {stored.AvailableFrom.ToDateOnly()}, published {stored.PublishedAt.ToDateTimeOffset():u}; "
                     + $"expected {expected.Free} free, {model.Held[cell]} held, from {expected.From}, published {expected.PublishedAt:u}"));
        }

        // Each held count is the number of holds that stand on it: none lost, none counted twice.
        foreach (var pc4 in Areas)
        {
            var standing = (await Redis.HashKeysAsync(HoldStore.Keys.Holds(pc4))).Select(k => (string)k!).Where(k => k.StartsWith(agb, StringComparison.Ordinal)).Order().ToArray();
            var expected = model.Holds.Where(h => CellOf(h.Value.Cell).Pc4 == pc4).Select(h => h.Key).Order().ToArray();
            Assert.True(standing.SequenceEqual(expected), fail($"holds in {pc4}: [{string.Join(",", standing)}], expected [{string.Join(",", expected)}]"));
        }
        var due = (await Redis.SortedSetRangeByRankWithScoresAsync(HoldStore.Keys.Due)).Where(e => ((string)e.Element!).Contains($"|{agb}-", StringComparison.Ordinal))
            .Select(e => (Id: ((string)e.Element!).Split('|')[1], At: (long)e.Score)).OrderBy(e => e.Id, StringComparer.Ordinal).ToArray();
        var dueExpected = model.Due.Select(d => (Id: d.Key, At: d.Value.ToUnixTimeMilliseconds())).OrderBy(e => e.Id, StringComparer.Ordinal).ToArray();
        Assert.True(due.SequenceEqual(dueExpected), fail($"due [{string.Join(",", due)}], expected [{string.Join(",", dueExpected)}]"));
    }
}
