using System.Globalization;
using Capacity.V1;
using Hl7.Fhir.Model;
using FhirTask = Hl7.Fhir.Model.Task;

namespace Capacity.Service.Fhir;

/// <summary>
/// A referral in the NL Generic Functions "Notified Pull" shape: the referral is a ServiceRequest
/// ("ref-…"), each offer a Task ("ref-…-of-…") whose owner is the provider asked. Pure: the
/// caller passes the referral as the viewer may see it (a provider: its own offers only).
/// Patient data is what the gRPC API shows the same parties and no more: the requester's
/// pseudonymous patient reference (never a name, BSN or birth date), the PC4 area, the care asked.
/// </summary>
public static class FhirReferrals
{
    public static string RequestId(Referral r) => FhirCodes.FhirId(r.Id);

    public static string TaskId(Referral r, Offer o) => FhirCodes.FhirId(r.Id) + "-" + FhirCodes.FhirId(o.Id);

    /// <summary>The referral and offer id of a Task id ("ref-{32 hex}-of-{16 hex}"); null when it is none.</summary>
    public static (string ReferralId, string OfferId)? IdsOfTask(string taskId)
    {
        var cut = taskId.IndexOf("-of-", StringComparison.Ordinal);
        return cut < 0 ? null : (FhirCodes.OurId(taskId[..cut], "ref"), FhirCodes.OurId(taskId[(cut + 1)..], "of"));
    }

    public static ServiceRequest Request(Referral r)
    {
        var request = new ServiceRequest
        {
            Id = RequestId(r),
            Meta = new Meta { LastUpdated = r.UpdatedAt?.ToDateTimeOffset(), VersionId = r.Version.ToString(CultureInfo.InvariantCulture) },
            Identifier = [new Identifier(FhirCodes.ReferralIds, r.Id)],
            Status = StatusOf(r.State),
            Intent = RequestIntent.Order,
            Priority = r.Search?.Urgent == true ? RequestPriority.Urgent : RequestPriority.Routine,
            Code = FhirCodes.Concept(r.Search?.CareType ?? CareType.Unspecified),
            Subject = new ResourceReference { Identifier = new Identifier(FhirCodes.PatientRefs, r.PatientRef) },
            AuthoredOn = r.CreatedAt is { } created ? new FhirDateTime(created.ToDateTimeOffset()).Value : null,
            Requester = Organisation(r.RequesterOrg, r.Requester?.Name),
        };
        if (r.Search?.StartDate is { } start) request.Occurrence = new FhirDateTime(start.Year, start.Month, start.Day);
        if (Pc4Of(r) is { } pc4) request.LocationReference = [new ResourceReference("Location/" + FhirCodes.LocationId(pc4))];
        if (r.CareSummary is { Length: > 0 } summary) request.Note = [new Annotation { Text = new Markdown(summary) }];
        if (r.PlacedWithAgb is { Length: > 0 } placed) request.Performer = [new ResourceReference("Organization/" + placed)];
        return request;
    }

    /// <summary>
    /// Open and placed states are active (Notified Pull: the accepted Task carries the fulfilment, the
    /// request stays in force while the care is given); cancelled, or closed by the desk: revoked.
    /// </summary>
    public static RequestStatus StatusOf(ReferralState s) => s switch
    {
        ReferralState.Cancelled or ReferralState.Closed => RequestStatus.Revoked,
        _ => RequestStatus.Active,
    };

    public static FhirTask Task(Referral r, Offer o)
    {
        var (status, business) = StateOf(r, o);
        var task = new FhirTask
        {
            Id = TaskId(r, o),
            Identifier = [new Identifier(FhirCodes.OfferIds, o.Id)],
            Status = status,
            Intent = FhirTask.TaskIntent.Order,
            BasedOn = [new ResourceReference("ServiceRequest/" + RequestId(r))],
            Focus = new ResourceReference("ServiceRequest/" + RequestId(r)),
            Code = FhirCodes.Concept(o.CareType),
            Requester = Organisation(r.RequesterOrg, r.Requester?.Name),
            Owner = new ResourceReference("Organization/" + o.Provider.Agb, o.Provider.Name is { Length: > 0 } n ? n : null),
            AuthoredOn = o.OfferedAt is { } at ? new FhirDateTime(at.ToDateTimeOffset()).Value : null,
            LastModified = (o.EndedAt ?? o.OfferedAt) is { } last ? new FhirDateTime(last.ToDateTimeOffset()).Value : null,
            // The place is held until the deadline: the provider must answer before it.
            Restriction = o.Deadline is { } deadline ? new FhirTask.RestrictionComponent { Period = new Period { End = new FhirDateTime(deadline.ToDateTimeOffset()).Value } } : null,
        };
        if (business is { } b) task.BusinessStatus = b;
        if (o.State == OfferState.Declined)
            task.StatusReason = new CodeableConcept(FhirCodes.DeclineReasonSystem, DeclineCode(o.DeclineReason), null, o.DeclineText is { Length: > 0 } t ? t : null);
        return task;
    }

    /// <summary>
    /// Offer state → Task status and businessStatus: pending → requested; accepted → accepted,
    /// "selected"; declined → rejected; expired → cancelled, "expired"; withdrawn because another
    /// provider accepted → cancelled, "not selected"; withdrawn because the referral was cancelled
    /// or closed → cancelled, "withdrawn".
    /// </summary>
    public static (FhirTask.TaskStatus Status, CodeableConcept? BusinessStatus) StateOf(Referral r, Offer o) => o.State switch
    {
        OfferState.Pending => (FhirTask.TaskStatus.Requested, null),
        OfferState.Accepted => (FhirTask.TaskStatus.Accepted, Business("selected", "selected")),
        OfferState.Declined => (FhirTask.TaskStatus.Rejected, null),
        OfferState.Expired => (FhirTask.TaskStatus.Cancelled, Business("expired", "expired")),
        OfferState.Withdrawn when r.State == ReferralState.Placed => (FhirTask.TaskStatus.Cancelled, Business("not-selected", "not selected")),
        _ => (FhirTask.TaskStatus.Cancelled, Business("withdrawn", "withdrawn")),
    };

    static CodeableConcept Business(string code, string display) => new(FhirCodes.BusinessStatusSystem, code, display, display);

    static string DeclineCode(DeclineReason reason) => reason switch
    {
        DeclineReason.NoStaff => "no-staff",
        DeclineReason.OutsideArea => "outside-area",
        DeclineReason.CareTooComplex => "care-too-complex",
        DeclineReason.NoCapacity => "no-capacity",
        DeclineReason.TravelDistance => "travel-distance",
        DeclineReason.PatientPreference => "patient-preference",
        _ => "other",
    };

    /// <summary>The requesting organisation by its own code (not necessarily an AGB: a hospital's or GP practice's code in our registry).</summary>
    static ResourceReference Organisation(string code, string? name) => new()
    {
        Identifier = new Identifier(FhirCodes.OrganisationCodes, code),
        Display = name is { Length: > 0 } ? name : null,
    };

    /// <summary>The patient's PC4 (never the PC6 it may have been given as).</summary>
    static int? Pc4Of(Referral r) =>
        r.Search?.PatientPostcode is { Length: >= 4 } p && int.TryParse(p.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var pc4) && pc4 >= 1000 ? pc4 : null;
}
