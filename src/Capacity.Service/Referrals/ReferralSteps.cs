using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Capacity.Service.Referrals;

/// <summary>A referral after one step, and the events that tell what happened.</summary>
public sealed record Step(Referral Referral, IReadOnlyList<ReferralEvent> Events);

/// <summary>
/// How long a referral may wait for its requester to choose a provider (OPEN, no offer out)
/// before the requester is reminded, and before it goes to the insurer's desk by itself.
/// </summary>
public sealed record WaitingPolicy(TimeSpan AlertAfter, TimeSpan EscalateAfter, TimeSpan UrgentAlertAfter, TimeSpan UrgentEscalateAfter)
{
    public Waiting Start(Referral r, DateTimeOffset since, string returnedByOfferId = "")
    {
        var urgent = r.Search?.Urgent == true;
        return new Waiting
        {
            Since = Timestamp.FromDateTimeOffset(since),
            AlertAt = Timestamp.FromDateTimeOffset(since + (urgent ? UrgentAlertAfter : AlertAfter)),
            EscalateAt = Timestamp.FromDateTimeOffset(since + (urgent ? UrgentEscalateAfter : EscalateAfter)),
            ReturnedByOfferId = returnedByOfferId,
        };
    }
}

/// <summary>
/// The referral lifecycle as pure functions: each step takes the referral as it is and returns it
/// as it becomes, or refuses with FAILED_PRECONDITION. See the state diagram in
/// docs/ARCHITECTURE.md.
/// <code>
/// OPEN ──offer──▶ OFFERED ──accept──▶ PLACED
///  │ ▲              │ │
///  │ └─last offer───┘ └─(escalated: last offer ended)──▶ MEDIATING
///  │   ended: returned to the requester                   ▲     │
///  └──escalate──▶ ESCALATED ──take──────────────────────────┘     └─offer─▶ OFFERED
/// any open state ──cancel──▶ CANCELLED;  ESCALATED/MEDIATING/OFFERED(escalated) ──close──▶ CLOSED
/// OPEN without an offer out is waiting for its requester: reminded, then escalated (WaitingPolicy).
/// </code>
/// </summary>
public static class ReferralSteps
{
    public const string Requester = "requester", Desk = "desk";

    public static bool IsFinal(ReferralState s) => s is ReferralState.Placed or ReferralState.Closed or ReferralState.Cancelled;

    public static IEnumerable<Offer> Pending(Referral r) => r.Offers.Where(o => o.State == OfferState.Pending);

    public static bool IsActive(ReferralState s) => !IsFinal(s);

    public static Step Create(Referral draft, DateTimeOffset now, WaitingPolicy waiting)
    {
        var r = draft.Clone();
        r.State = ReferralState.Open;
        r.CreatedAt = r.UpdatedAt = Timestamp.FromDateTimeOffset(now);
        r.Version = 1;
        r.Waiting = waiting.Start(r, now);
        return new Step(r, [Event(r, "created", now, detail: $"referral for {r.Search.CareType} in {r.Search.PatientPostcode}")]);
    }

    /// <summary>Refuses (FAILED_PRECONDITION) when the referral's state takes no offers from <paramref name="by"/>.</summary>
    public static void EnsureOffersAllowed(Referral current, string by)
    {
        var allowed = by == Desk
            ? current.State is ReferralState.Mediating || current.State == ReferralState.Offered && current.Escalation is not null
            : current.State is ReferralState.Open or ReferralState.Offered && current.Escalation is null;
        if (!allowed) throw Refused(Reasons.ReferralState, $"a referral that is {current.State} cannot be offered by the {by}");
    }

    /// <summary>How many offers this referral has made to a provider so far: numbers the next one (its offer and hold ids).</summary>
    public static int OffersMadeTo(Referral r, string agb) => r.Offers.Count(o => o.Provider.Agb == agb);

    public static Step AddOffers(Referral current, IReadOnlyList<Offer> offers, string by, DateTimeOffset now)
    {
        EnsureOffersAllowed(current, by);
        var r = Next(current, now);
        r.Waiting = null;
        var events = new List<ReferralEvent>();
        foreach (var offer in offers)
        {
            r.Offers.Add(offer);
            events.Add(Event(r, "offered", now, offer, offer.Uncontracted ? offer.Warning : $"place held until {offer.Deadline.ToDateTimeOffset():u}"));
        }
        r.State = ReferralState.Offered;
        return new Step(r, Stamp(r, events));
    }

    /// <param name="start">The first visit the provider agrees to.</param>
    /// <param name="requester">The requester as the registry knows it now (the handover shows the current transfer desk).</param>
    /// <param name="intake">The provider's intake desk, for the requester.</param>
    public static Step Accept(Referral current, string offerId, DateTimeOffset now, DateOnly start, RequesterSummary requester, Contact? intake)
    {
        var offer = OfferOf(current, offerId);
        if (current.State == ReferralState.Placed) throw current.PlacedWithAgb == offer.Provider.Agb
            ? Refused(Reasons.AcceptedAlready, "this offer is accepted already") : Refused(Reasons.PlacedElsewhere, "the referral has been placed with another provider");
        if (offer.State != OfferState.Pending) throw Refused(Reasons.OfferNotOpen, $"the offer is {offer.State}, not open");
        if (current.State != ReferralState.Offered) throw Refused(Reasons.ReferralState, $"the referral is {current.State}");
        // Past the deadline the place may already be given back; the offer is as good as expired.
        if (now > offer.Deadline.ToDateTimeOffset()) throw Refused(Reasons.OfferDeadlinePassed, "the offer's deadline has passed");

        var r = Next(current, now);
        var events = new List<ReferralEvent>();
        foreach (var o in r.Offers.Where(o => o.State == OfferState.Pending))
        {
            var accepted = o.Id == offerId;
            o.State = accepted ? OfferState.Accepted : OfferState.Withdrawn;
            o.EndedAt = Timestamp.FromDateTimeOffset(now);
            events.Add(Event(r, accepted ? "accepted" : "withdrawn", now, o, accepted ? "" : "placed with another provider"));
        }
        r.State = ReferralState.Placed;
        r.PlacedWithAgb = offer.Provider.Agb;
        r.Waiting = null;
        r.Requester = requester;
        r.Placement = new Placement
        {
            Provider = offer.Provider,
            OfferId = offer.Id,
            StartDate = Registry.DateMapping.ToDate(start),
            Intake = intake,
            PlacedAt = Timestamp.FromDateTimeOffset(now),
            Uncontracted = offer.Uncontracted,
            Warning = offer.Warning,
        };
        events.Add(Event(r, "placed", now, offer, $"placed with {offer.Provider.Name}, first visit {start:yyyy-MM-dd}"));
        return new Step(r, Stamp(r, events));
    }

    /// <summary>
    /// A decline or an expiry. When it ends the last open offer, the referral returns to its
    /// requester (OPEN, waiting for the next choice), or, once escalated, to its desk.
    /// </summary>
    public static Step EndOffer(Referral current, string offerId, OfferState end, DateTimeOffset now, WaitingPolicy waiting,
        DeclineReason reason = DeclineReason.Unspecified, string text = "")
    {
        var offer = OfferOf(current, offerId);
        if (offer.State != OfferState.Pending) throw Refused(Reasons.OfferNotOpen, $"the offer is {offer.State}, not open");
        var r = Next(current, now);
        var o = r.Offers.Single(x => x.Id == offerId);
        o.State = end;
        o.EndedAt = Timestamp.FromDateTimeOffset(now);
        o.DeclineReason = reason;
        o.DeclineText = text;
        var events = new List<ReferralEvent>
        {
            Event(r, end == OfferState.Declined ? "declined" : "expired", now, o, end == OfferState.Declined ? $"{reason}{(text.Length > 0 ? ": " + text : "")}" : "no answer before the deadline"),
        };
        if (!Pending(r).Any() && r.Escalation is not null)
        {
            r.State = ReferralState.Mediating;
            events.Add(Event(r, "reopened", now, detail: "no offer open: back to the desk"));
        }
        else if (!Pending(r).Any())
        {
            r.State = ReferralState.Open;
            r.Waiting = waiting.Start(r, now, offerId);
            var why = end == OfferState.Declined ? $"declined by {o.Provider.Name}" : $"{o.Provider.Name} did not answer in time";
            // Not tied to the offer: its provider is told of its own offer's end, not that nobody else was asked.
            events.Add(Event(r, "returned", now, detail: $"{why}: choose another provider"));
        }
        return new Step(r, Stamp(r, events));
    }

    public static Step Cancel(Referral current, DateTimeOffset now)
    {
        if (IsFinal(current.State)) throw Refused(Reasons.ReferralState, $"the referral is {current.State} already");
        var r = Next(current, now);
        var events = WithdrawAll(r, now, "the referral was cancelled");
        r.State = ReferralState.Cancelled;
        r.Waiting = null;
        events.Add(Event(r, "cancelled", now));
        return new Step(r, Stamp(r, events));
    }

    public static Step Escalate(Referral current, string reason, FindProvidersResponse explanation, DateTimeOffset now)
    {
        if (current.State != ReferralState.Open) throw current.State == ReferralState.Offered
            ? Refused(Reasons.OffersOpen, "offers are open; wait for their answers or cancel") : Refused(Reasons.ReferralState, $"a referral that is {current.State} cannot be escalated");
        var r = Next(current, now);
        r.State = ReferralState.Escalated;
        r.Waiting = null;
        r.Escalation = new Escalation { Reason = reason, EscalatedAt = Timestamp.FromDateTimeOffset(now), Explanation = explanation };
        return new Step(r, [Event(r, "escalated", now, detail: $"to the mediation desk of {r.Search.InsurerUzovi}: {reason}")]);
    }

    public static Step Take(Referral current, string takenBy, DateTimeOffset now)
    {
        if (current.State != ReferralState.Escalated) throw Refused(Reasons.ReferralState, $"a referral that is {current.State} cannot be taken");
        var r = Next(current, now);
        r.State = ReferralState.Mediating;
        r.Escalation.TakenBy = takenBy;
        return new Step(r, [Event(r, "taken", now, detail: $"by {takenBy}")]);
    }

    public static Step Close(Referral current, ClosureOutcome outcome, string text, DateTimeOffset now)
    {
        if (current.Escalation is null || IsFinal(current.State)) throw Refused(Reasons.ReferralState, $"only an escalated referral that is not final can be closed; this one is {current.State}");
        var r = Next(current, now);
        var events = WithdrawAll(r, now, "the desk closed the referral");
        r.State = ReferralState.Closed;
        r.Waiting = null;
        r.Closure = new Closure { Outcome = outcome, Text = text, ClosedAt = Timestamp.FromDateTimeOffset(now) };
        events.Add(Event(r, "closed", now, detail: outcome.ToString()));
        return new Step(r, Stamp(r, events));
    }

    /// <summary>The requester has not chosen a provider for a while: reminded once (the desk follows at escalate_at).</summary>
    public static Step Remind(Referral current, DateTimeOffset now)
    {
        if (current.State != ReferralState.Open || current.Waiting is null || current.Waiting.Alerted)
            throw Refused(Reasons.ReferralState, $"a referral that is {current.State} is not waiting for a reminder");
        var r = Next(current, now);
        r.Waiting.Alerted = true;
        return new Step(r, [Event(r, "reminded", now,
            detail: $"no provider chosen since {r.Waiting.Since.ToDateTimeOffset():u}; to the insurer's desk at {r.Waiting.EscalateAt.ToDateTimeOffset():u}")]);
    }

    static List<ReferralEvent> WithdrawAll(Referral r, DateTimeOffset now, string why)
    {
        var events = new List<ReferralEvent>();
        foreach (var o in r.Offers.Where(o => o.State == OfferState.Pending))
        {
            o.State = OfferState.Withdrawn;
            o.EndedAt = Timestamp.FromDateTimeOffset(now);
            events.Add(Event(r, "withdrawn", now, o, why));
        }
        return events;
    }

    static Offer OfferOf(Referral r, string offerId) =>
        r.Offers.FirstOrDefault(o => o.Id == offerId) ?? throw Reasons.Refuse(StatusCode.NotFound, Reasons.OfferNotFound, $"Offer {offerId} is not part of referral {r.Id}.");

    static Referral Next(Referral current, DateTimeOffset now)
    {
        var r = current.Clone();
        r.Version = current.Version + 1;
        r.UpdatedAt = Timestamp.FromDateTimeOffset(now);
        return r;
    }

    static ReferralEvent Event(Referral r, string type, DateTimeOffset now, Offer? offer = null, string detail = "") => new()
    {
        At = Timestamp.FromDateTimeOffset(now),
        Type = type,
        State = r.State,
        OfferId = offer?.Id ?? "",
        ProviderAgb = offer?.Provider.Agb ?? "",
        Detail = detail,
    };

    // Events are built while the referral changes; each carries the state the step ends in.
    static List<ReferralEvent> Stamp(Referral r, List<ReferralEvent> events)
    {
        foreach (var e in events) e.State = r.State;
        return events;
    }

    static RpcException Refused(string reason, string why) => Reasons.Refuse(StatusCode.FailedPrecondition, reason, char.ToUpperInvariant(why[0]) + why[1..] + ".");
}
