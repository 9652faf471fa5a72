using System.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Capacity.Service.Shared;

/// <summary>
/// The one table of machine-readable reasons (docs/ERRORS.md): a stable UPPER_SNAKE code per
/// kind of refusal, so that a client shows its own words (the screens: Dutch) instead of the
/// English developer message. A field violation carries its code in
/// google.rpc.BadRequest.FieldViolation.reason; a refusal that concerns no one field carries a
/// google.rpc.ErrorInfo with the code and <see cref="Domain"/>; a hub refusal names it in
/// brackets ("Invalid search: patient_postcode [POSTCODE_UNKNOWN]: …"). Codes are never renamed:
/// a client maps them.
/// </summary>
public static class Reasons
{
    public const string Domain = "capacity.v1";

    // --- field violations (google.rpc.BadRequest) ---
    public const string Required = "REQUIRED";
    public const string ChoiceRequired = "CHOICE_REQUIRED";
    public const string ValueUnknown = "VALUE_UNKNOWN";
    public const string AgbFormat = "AGB_FORMAT";
    public const string UzoviFormat = "UZOVI_FORMAT";
    public const string OrganisationCodeFormat = "ORGANISATION_CODE_FORMAT";
    public const string RequestIdFormat = "REQUEST_ID_FORMAT";
    public const string IdFormat = "ID_FORMAT";
    public const string ProviderUnknown = "PROVIDER_UNKNOWN";
    public const string InsurerUnknown = "INSURER_UNKNOWN";
    public const string MunicipalityUnknown = "MUNICIPALITY_UNKNOWN";
    public const string FieldMismatch = "FIELD_MISMATCH";
    public const string PostcodeFormat = "POSTCODE_FORMAT";
    public const string PostcodeUnknown = "POSTCODE_UNKNOWN";
    public const string AreaNotServed = "AREA_NOT_SERVED";
    public const string CareTypeUnknown = "CARE_TYPE_UNKNOWN";
    public const string DateInvalid = "DATE_INVALID";
    public const string DateInPast = "DATE_IN_PAST";
    public const string DateTooFar = "DATE_TOO_FAR";
    public const string DateBeforeStart = "DATE_BEFORE_START";
    public const string OutlookDayRange = "OUTLOOK_DAY_RANGE";
    public const string OutlookDayDuplicate = "OUTLOOK_DAY_DUPLICATE";
    public const string UrgentStart = "URGENT_START";
    public const string AgeRange = "AGE_RANGE";
    public const string ChildCareAgeRequired = "CHILD_CARE_AGE_REQUIRED";
    public const string ChildCareAdult = "CHILD_CARE_ADULT";
    public const string RadiusRange = "RADIUS_RANGE";
    public const string NumberRange = "NUMBER_RANGE";
    public const string ListEmpty = "LIST_EMPTY";
    public const string ListTooLong = "LIST_TOO_LONG";
    public const string PatientRefLength = "PATIENT_REF_LENGTH";
    public const string PatientRefBsn = "PATIENT_REF_BSN";
    public const string TextTooLong = "TEXT_TOO_LONG";
    public const string TextCharacters = "TEXT_CHARACTERS";
    public const string TextContainsBsn = "TEXT_CONTAINS_BSN";
    public const string MoneyAmount = "MONEY_AMOUNT";
    public const string ExplanationRequired = "EXPLANATION_REQUIRED";
    public const string PhoneFormat = "PHONE_FORMAT";
    public const string EmailFormat = "EMAIL_FORMAT";
    public const string UrlFormat = "URL_FORMAT";
    public const string PageTokenInvalid = "PAGE_TOKEN_INVALID";
    // capacity import (docs/IMPORT.md): the file, and its rows
    public const string FileTooLarge = "FILE_TOO_LARGE";
    public const string FileUnreadable = "FILE_UNREADABLE";
    public const string FileColumns = "FILE_COLUMNS";
    public const string NumberFormat = "NUMBER_FORMAT";
    public const string RowDuplicate = "ROW_DUPLICATE";
    public const string VersionOutdated = "VERSION_OUTDATED";

    // --- refusals that concern no one field (google.rpc.ErrorInfo) ---
    public const string PatientHasReferral = "PATIENT_HAS_REFERRAL";
    public const string ReferralState = "REFERRAL_STATE";
    public const string OffersOpen = "OFFERS_OPEN";
    public const string AcceptedAlready = "ACCEPTED_ALREADY";
    public const string PlacedElsewhere = "PLACED_ELSEWHERE";
    public const string OfferNotOpen = "OFFER_NOT_OPEN";
    public const string OfferDeadlinePassed = "OFFER_DEADLINE_PASSED";
    public const string TooManyOpenOffers = "TOO_MANY_OPEN_OFFERS";
    public const string SearchNoLongerValid = "SEARCH_NO_LONGER_VALID";
    public const string ClientStopGone = "CLIENT_STOP_GONE";
    public const string RequestReused = "REQUEST_REUSED";
    public const string ReferralNotFound = "REFERRAL_NOT_FOUND";
    public const string OfferNotFound = "OFFER_NOT_FOUND";
    public const string ClientStopNotFound = "CLIENT_STOP_NOT_FOUND";
    public const string ProviderNotFound = "PROVIDER_NOT_FOUND";
    public const string EndpointNotFound = "ENDPOINT_NOT_FOUND";
    public const string OrganisationNotFound = "ORGANISATION_NOT_FOUND";
    public const string NotAllowed = "NOT_ALLOWED";
    public const string OtherDesk = "OTHER_DESK";
    public const string OtherProvidersStop = "OTHER_PROVIDERS_STOP";
    public const string SignInRequired = "SIGN_IN_REQUIRED";
    public const string SessionExpired = "SESSION_EXPIRED";
    public const string TooManySubscriptions = "TOO_MANY_SUBSCRIPTIONS";
    public const string ChangedMeanwhile = "CHANGED_MEANWHILE";
    public const string CallTooSlow = "CALL_TOO_SLOW";
    public const string StoreUnavailable = "STORE_UNAVAILABLE";

    /// <summary>Every code, for the test that holds this table, docs/ERRORS.md and the page's texts together.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(Reasons)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.Name != nameof(Domain))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    public static ErrorInfo Info(string reason) => new() { Reason = reason, Domain = Domain };

    /// <summary>A refusal with its reason as a google.rpc.ErrorInfo detail (the English message stays for developers).</summary>
    public static RpcException Refuse(StatusCode code, string reason, string message) => new Google.Rpc.Status
    {
        Code = (int)code,
        Message = message,
        Details = { Any.Pack(Info(reason)) },
    }.ToRpcException();

    /// <summary>A hub refusal: SignalR carries only a message, so the code is named in it in brackets.</summary>
    public static Microsoft.AspNetCore.SignalR.HubException Hub(string reason, string message) => new($"{message} [{reason}]");
}
