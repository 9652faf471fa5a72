using Capacity.V1;
using Google.Type;

namespace Capacity.Service.Tests.Infrastructure;

/// <summary>
/// Short ways to put registry and capacity data into the service through its public API. Every
/// code it hands out is unique in the test run, so tests sharing a database never collide.
/// </summary>
public static class TestData
{
    static int _agb = 76000000, _uzovi = 4000, _version;

    public static string NewAgb() => Interlocked.Increment(ref _agb).ToString();

    public static string NewUzovi() => Interlocked.Increment(ref _uzovi).ToString();

    public static long NextVersion() => Interlocked.Increment(ref _version);

    public static Date ToDate(this DateOnly d) => new() { Year = d.Year, Month = d.Month, Day = d.Day };

    public static async Task<string> AddInsurerAsync(this CapacityApp app, string? name = null)
    {
        var uzovi = NewUzovi();
        await app.Registry.UpsertInsurerAsync(new UpsertInsurerRequest { Insurer = new Insurer { Uzovi = uzovi, Name = name ?? $"Insurer {uzovi}" } });
        return uzovi;
    }

    public static async Task<string> AddProviderAsync(
        this CapacityApp app, string basePc4, string[] served, Qualifications? qualifications = null, string? name = null)
    {
        var agb = NewAgb();
        await app.Registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider
            {
                Agb = agb,
                Name = name ?? $"Provider {agb}",
                BasePc4 = basePc4,
                ServedPc4S = { served },
                Qualifications = qualifications ?? new Qualifications(),
            },
        });
        return agb;
    }

    public static Task ContractAsync(this CapacityApp app, string agb, string uzovi, params CareType[] careTypes) =>
        app.ContractAsync(agb, uzovi, CapacityApp.Today.Year, ContractType.Standaard, careTypes);

    public static async Task ContractAsync(this CapacityApp app, string agb, string uzovi, int year, ContractType type, params CareType[] careTypes) =>
        await app.Registry.UpsertContractAsync(new UpsertContractRequest
        {
            Contract = new Contract { ProviderAgb = agb, InsurerUzovi = uzovi, Year = year, ContractType = type, CareTypes = { careTypes } },
        });

    public static async Task<CapacityWriteResult> PublishAsync(
        this CapacityApp app, string agb, string pc4, CareType careType, int free, long? version = null, DateOnly? availableFrom = null)
    {
        var request = new SetCapacityRequest { Agb = agb, Pc4 = pc4, CareType = careType, FreePlaces = free, Version = version ?? NextVersion() };
        if (availableFrom is { } from) request.AvailableFrom = from.ToDate();
        var response = await app.Capacity.SetCapacityAsync(request);
        return response.Results.Single();
    }

    public static FindProvidersRequest Search(string postcode, string uzovi, CareType careType, DateOnly? start = null) => new()
    {
        PatientPostcode = postcode,
        InsurerUzovi = uzovi,
        CareType = careType,
        StartDate = (start ?? CapacityApp.Today.AddDays(1)).ToDate(),
    };

    public static async Task<FindProvidersResponse> FindAsync(this CapacityApp app, FindProvidersRequest request) =>
        await app.Matching.FindProvidersAsync(request);

    /// <summary>How a search treated one provider: "Candidate", an exclusion reason, or "ABSENT".</summary>
    public static string VerdictFor(this FindProvidersResponse response, string agb) =>
        response.Candidates.Any(c => c.Provider.Agb == agb) ? "Candidate"
        : response.Exclusions.FirstOrDefault(e => e.Provider.Agb == agb) is { } e ? e.Reason.ToString()
        : "Absent";
}
