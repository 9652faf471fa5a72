using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Registry;

[Flags]
public enum QualificationFlags
{
    None = 0,
    PalliativeNetwork = 1,
    DementiaNetwork = 2,
    PaediatricNurse = 4,
    NightService = 8,
}

public sealed record InsurerInfo(string Uzovi, string Name);

/// <summary>How to reach an organisation's desk (a provider's intake, a hospital's transfer desk).</summary>
public sealed record ContactInfo(string Phone, string Email, string Hours);

/// <param name="Intake">The intake desk; null when the provider registered none.</param>
/// <param name="CareTypes">The care types it says it gives; empty: those of its contracts (see <see cref="RegistrySnapshot.Gives"/>).</param>
/// <param name="Inactive">Registered but no candidate anywhere (the directory says it is inactive, docs/MCSD.md).</param>
public sealed record ProviderInfo(
    string Agb, string Name, int BasePc4, IReadOnlyList<int> ServedPc4s, QualificationFlags Qualifications,
    ContactInfo? Intake = null, CareTypeSet CareTypes = default, bool Inactive = false)
{
    /// <summary>
    /// The areas it serves; none while <see cref="Inactive"/>, whatever it lists. This is the one place
    /// that keeps an inactive provider out of searches, offers, figures (FHIR, HSDS, gRPC) and live pushes.
    /// </summary>
    public IReadOnlyList<int> ServedPc4s { get => Inactive ? [] : field; init; } = ServedPc4s;

    public bool Serves(int pc4) => ServedPc4s is int[] sorted ? Array.BinarySearch(sorted, pc4) >= 0 : ServedPc4s.Contains(pc4);
}

/// <summary>An organisation that refers patients: a hospital's transfer desk, a GP practice.</summary>
public sealed record OrganisationInfo(string Code, string Name, OrganisationKind Kind, ContactInfo? TransferDesk);

public sealed record ContractInfo(string Agb, string Uzovi, int Year, CareTypeSet CareTypes, ContractType Type);

public sealed record ClientStopInfo(
    string Id,
    string Agb,
    IReadOnlyList<string> Uzovis,
    CareTypeSet CareTypes,
    IReadOnlyList<int> Pc4s,
    DateOnly From,
    DateOnly? Until,
    ClientStopReason Reason,
    string ReasonText)
{
    /// <summary>Empty lists mean "all insurers", "all care types", "all areas the provider serves".</summary>
    public bool Covers(string uzovi, CareType careType, int pc4, DateOnly date) =>
        (Uzovis.Count == 0 || Uzovis.Contains(uzovi))
        && (CareTypes.IsEmpty || CareTypes.Contains(careType))
        && (Pc4s.Count == 0 || Pc4s.Contains(pc4))
        && InForceOn(date);

    public bool InForceOn(DateOnly date) => From <= date && (Until is null || date <= Until);

    /// <summary>Whether it holds for any insurer's patients in this area and care type on that day.</summary>
    public bool CoversArea(CareType careType, int pc4, DateOnly date) =>
        (CareTypes.IsEmpty || CareTypes.Contains(careType)) && (Pc4s.Count == 0 || Pc4s.Contains(pc4)) && InForceOn(date);
}
