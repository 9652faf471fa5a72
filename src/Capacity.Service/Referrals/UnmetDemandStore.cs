using Capacity.Service.Shared;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Service.Referrals;

/// <summary>
/// Unmet demand: one escalation = one signal, per insurer × municipality × care type, per
/// municipality × care type and per patient's area × care type (for the municipality's map).
/// Counted as sets of escalated referral ids, so counting the same escalation again (a replayed
/// follow-up) changes nothing. An insurer's cells live on its slot, a municipality's on its own.
/// </summary>
public sealed class UnmetDemandStore(IConnectionMultiplexer redis)
{
    public static class Keys
    {
        public static RedisKey ByInsurer(string uzovi, string cell) => $"unmet:{{{uzovi}}}:{cell}";
        public static RedisKey ByInsurerIndex(string uzovi) => $"unmet:{{{uzovi}}}:cells";
        public static RedisKey ByMunicipality(string code, CareType careType) => $"unmet-gm:{{{code}}}:{(int)careType}";
        public static RedisKey ByMunicipalityIndex(string code) => $"unmet-gm:{{{code}}}:cells";
        public static RedisKey ByArea(string code, string cell) => $"unmet-gm:{{{code}}}:pc4:{cell}";
        public static RedisKey ByAreaIndex(string code) => $"unmet-gm:{{{code}}}:areas";
    }

    IDatabase Db => redis.GetDatabase();

    public Task CountAsync(Referral r)
    {
        var cell = $"{r.MunicipalityCode}:{(int)r.Search.CareType}";
        var area = $"{r.Search.PatientPostcode}:{(int)r.Search.CareType}"; // the PC4: referrals keep no more of the postcode
        var byInsurer = Db.CreateTransaction();
        _ = byInsurer.SetAddAsync(Keys.ByInsurer(r.Search.InsurerUzovi, cell), r.Id);
        _ = byInsurer.SetAddAsync(Keys.ByInsurerIndex(r.Search.InsurerUzovi), cell);
        var byMunicipality = Db.CreateTransaction();
        _ = byMunicipality.SetAddAsync(Keys.ByMunicipality(r.MunicipalityCode, r.Search.CareType), r.Id);
        _ = byMunicipality.SetAddAsync(Keys.ByMunicipalityIndex(r.MunicipalityCode), (int)r.Search.CareType);
        _ = byMunicipality.SetAddAsync(Keys.ByArea(r.MunicipalityCode, area), r.Id);
        _ = byMunicipality.SetAddAsync(Keys.ByAreaIndex(r.MunicipalityCode), area);
        return Task.WhenAll(byInsurer.ExecuteAsync(), byMunicipality.ExecuteAsync());
    }

    /// <summary>A page of an insurer's cells (municipality × care type), by municipality and care type.</summary>
    public Task<Page<(string Place, CareType CareType, long Count)>> ByInsurerAsync(string uzovi, int size, string pageToken) =>
        CountCellsAsync(Keys.ByInsurerIndex(uzovi), cell => Keys.ByInsurer(uzovi, cell), size, pageToken);

    /// <summary>A page of a municipality's cells per patient's area (PC4 × care type), by area and care type.</summary>
    public Task<Page<(string Place, CareType CareType, long Count)>> ByAreaAsync(string code, int size, string pageToken) =>
        CountCellsAsync(Keys.ByAreaIndex(code), cell => Keys.ByArea(code, cell), size, pageToken);

    /// <summary>
    /// The size of each "place:careType" cell set listed in an index (place: a GM code or a PC4), a
    /// page at a time: the index's names are read whole — at most every municipality (or every area
    /// of one municipality) × care type, bounded by the map, not by use — and only the page's cells
    /// are counted. The token names the index, so it cannot be used on another's.
    /// </summary>
    async Task<Page<(string Place, CareType CareType, long Count)>> CountCellsAsync(RedisKey index, Func<string, RedisKey> cellKey, int size, string pageToken)
    {
        var cells = (await Db.SetMembersAsync(index)).Select(c => (string)c!).Select(c => (Cell: c, Parts: c.Split(':')))
            .Where(c => c.Parts.Length == 2 && int.TryParse(c.Parts[1], out _));
        // Place (fixed width: GM0362, 1183) then the care type zero-padded: ordinal order = (place, care type).
        var page = Paging.Of(cells, c => $"{c.Parts[0]}:{int.Parse(c.Parts[1]):D3}", index.ToString(), size, pageToken);
        var db = Db;
        var counts = page.Items.Select(c => db.SetLengthAsync(cellKey(c.Cell))).ToArray();
        var result = new List<(string, CareType, long)>(counts.Length);
        for (var i = 0; i < counts.Length; i++)
            result.Add((page.Items[i].Parts[0], (CareType)int.Parse(page.Items[i].Parts[1]), await counts[i]));
        return new Page<(string, CareType, long)>(result, page.NextPageToken);
    }

    public async Task<IReadOnlyList<(CareType CareType, long Count)>> ByMunicipalityAsync(string code)
    {
        var types = (await Db.SetMembersAsync(Keys.ByMunicipalityIndex(code))).Select(t => (CareType)(int)t).ToArray();
        var counts = types.Select(t => Db.SetLengthAsync(Keys.ByMunicipality(code, t))).ToArray();
        var result = new List<(CareType, long)>(types.Length);
        for (var i = 0; i < types.Length; i++) result.Add((types[i], await counts[i]));
        return result;
    }
}
