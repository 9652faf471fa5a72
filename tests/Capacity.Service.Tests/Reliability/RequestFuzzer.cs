using System.Collections;
using System.Security.Cryptography;
using System.Text;
using Capacity.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Capacity.Service.Tests.Reliability;

/// <summary>
/// What the fuzzer has learnt about a host: codes and ids that exist there, so that a baseline
/// request names real things and gets past validation into the stores. Filled at set-up and from
/// every successful answer (new referrals, offers, stops). Thread-safe.
/// </summary>
public sealed class FuzzPools
{
    /// <summary>A referral as last seen, with its pending offers (the ones an answer can reach).</summary>
    public sealed record ReferralRef(string Id, string Uzovi, string Org, ReferralState State, (string OfferId, string Agb)[] Offers);

    readonly Lock _lock = new();
    readonly Dictionary<string, List<string>> _codes = [];
    readonly List<ReferralRef> _referrals = [];
    const int Cap = 256;

    public void Add(string kind, string value)
    {
        if (value.Length == 0) return;
        lock (_lock)
        {
            if (!_codes.TryGetValue(kind, out var list)) _codes[kind] = list = [];
            if (list.Contains(value)) return;
            if (list.Count >= Cap) list.RemoveAt(0);
            list.Add(value);
        }
    }

    public string Pick(string kind, Random random, string fallback)
    {
        lock (_lock) return _codes.TryGetValue(kind, out var list) && list.Count > 0 ? list[random.Next(list.Count)] : fallback;
    }

    public void Add(ReferralRef referral)
    {
        lock (_lock)
        {
            _referrals.RemoveAll(r => r.Id == referral.Id);
            if (_referrals.Count >= Cap) _referrals.RemoveAt(0);
            _referrals.Add(referral);
        }
    }

    public ReferralRef? PickReferral(Random random, Func<ReferralRef, bool>? preferred = null)
    {
        lock (_lock)
        {
            if (_referrals.Count == 0) return null;
            for (var i = 0; preferred is not null && i < 8; i++)
                if (_referrals[random.Next(_referrals.Count)] is var r && preferred(r)) return r;
            return _referrals[random.Next(_referrals.Count)];
        }
    }

    static readonly string[] Learnt = [Referral.Descriptor.FullName, OfferView.Descriptor.FullName, ClientStop.Descriptor.FullName];
    static readonly System.Collections.Concurrent.ConcurrentDictionary<MessageDescriptor, bool> Holds = new();

    /// <summary>Whether a message of this type can hold a referral, an offer or a client stop: only those answers are worth reading.</summary>
    public static bool CanTeach(MessageDescriptor type) => Holds.GetOrAdd(type, t => CanTeach(t, []));

    static bool CanTeach(MessageDescriptor type, HashSet<string> seen) =>
        Learnt.Contains(type.FullName) || (seen.Add(type.FullName)
            && type.Fields.InDeclarationOrder().Any(f => f.FieldType == FieldType.Message && CanTeach(f.MessageType, seen)));

    /// <summary>Learns the referrals, offers and client stops an answer holds.</summary>
    public void Harvest(IMessage message, int depth = 0)
    {
        if (depth > 4) return;
        if (depth == 0 && message.Descriptor.FindFieldByName("next_page_token") is { } next) Add("token", (string)next.Accessor.GetValue(message));
        switch (message)
        {
            case Referral r:
                Add(new ReferralRef(r.Id, r.Search?.InsurerUzovi ?? "", r.RequesterOrg, r.State,
                    [.. r.Offers.Where(o => o.State == OfferState.Pending).Select(o => (o.Id, o.Provider?.Agb ?? ""))]));
                return;
            case OfferView v when v.Offer is { State: OfferState.Pending }:
                Add(new ReferralRef(v.ReferralId, v.Search?.InsurerUzovi ?? "", v.RequesterOrg, ReferralState.Offered, [(v.Offer.Id, v.Offer.Provider?.Agb ?? "")]));
                return;
            case ClientStop s:
                Add("stop", s.Id);
                return;
        }
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.FieldType != FieldType.Message || field.IsMap) continue;
            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                var list = (IList)value;
                for (var i = 0; i < list.Count && i < 50; i++) Harvest((IMessage)list[i]!, depth + 1);
            }
            else if (value is IMessage inner) Harvest(inner, depth + 1);
        }
    }
}

/// <summary>
/// Makes request messages from their descriptors, so a field added to a proto is fuzzed without
/// touching this file. Three kinds: a <see cref="Baseline"/> (every field filled with a plausible,
/// mostly valid value chosen by its name, naming things that exist on the host), a
/// <see cref="Mutate">mutation</see> of a baseline (one to three fields replaced with edge values),
/// and a <see cref="Wild"/> message (every field random). Not thread-safe: one per worker.
/// </summary>
public sealed class RequestFuzzer(Random random, FuzzPools pools, DateOnly today)
{
    static long _version = 1_000_000_000;
    static int _unique;

    /// <summary>Largest string the fuzzer makes: just under the service's 1 MB message limit, with room for the rest.</summary>
    public const int HugeLength = 1_040_000;

    public Random Random => random;

    // ---- baseline: plausible values by field name ----

    public IMessage Baseline(MessageDescriptor descriptor)
    {
        // Prefer a referral the request can move, so that baselines reach the step and not only its
        // precondition: a pending offer to answer, an open or mediated referral to offer, an escalated one to take.
        Func<FuzzPools.ReferralRef, bool>? preferred =
            descriptor.FindFieldByName("offer_id") is not null ? r => r.Offers.Length > 0
            : descriptor.FindFieldByName("provider_agbs") is not null ? r => r.State is ReferralState.Open or ReferralState.Mediating
            : descriptor.FindFieldByName("taken_by") is not null ? r => r.State == ReferralState.Escalated
            : descriptor.FindFieldByName("outcome") is not null ? r => r.State is ReferralState.Escalated or ReferralState.Mediating
            : null;
        return Baseline(descriptor, pools.PickReferral(random, preferred), 0);
    }

    IMessage Baseline(MessageDescriptor descriptor, FuzzPools.ReferralRef? referral, int depth)
    {
        var message = New(descriptor);
        var offer = referral is { Offers.Length: > 0 } ? referral.Offers[random.Next(referral.Offers.Length)] : default;
        foreach (var field in ChosenFields(descriptor))
        {
            if (field.IsMap) continue;
            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                var count = field.Name switch
                {
                    "insurer_uzovis" or "pc4s" when field.ContainingType.Name == "ClientStop" => random.Next(2),
                    "provider_agbs" => 1 + random.Next(2),
                    "care_types" when field.ContainingType.Name is "ClientStop" or "GetRegionalAvailabilityRequest" or "Provider" => random.Next(2),
                    "figures" => 1 + random.Next(3),
                    "served_pc4s" or "pc4s" => 1 + random.Next(3),
                    _ => 1,
                };
                for (var i = 0; i < count; i++) list.Add(BaselineValue(field, referral, offer, depth));
            }
            else field.Accessor.SetValue(message, BaselineValue(field, referral, offer, depth));
        }
        return message;
    }

    /// <summary>Every field, but of each oneof only one member.</summary>
    IEnumerable<FieldDescriptor> ChosenFields(MessageDescriptor descriptor)
    {
        var chosen = descriptor.Oneofs.Where(o => !o.IsSynthetic).ToDictionary(o => o, o => o.Fields[random.Next(o.Fields.Count)]);
        return descriptor.Fields.InDeclarationOrder().Where(f => f.RealContainingOneof is not { } oneof || chosen[oneof] == f);
    }

    object BaselineValue(FieldDescriptor field, FuzzPools.ReferralRef? referral, (string OfferId, string Agb) offer, int depth)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                return field.Name switch
                {
                    "agb" when field.ContainingType.Name == "SetCapacityRequest" && depth > 0 => "", // a figure of a batch: the request's provider
                    "agb" or "provider_agb" or "provider_agbs" => offer.Agb is { Length: > 0 } agb && field.Name == "provider_agb" ? agb : pools.Pick("agb", random, "75000001"),
                    "insurer_uzovi" or "uzovi" or "insurer_uzovis" => referral is not null && random.Next(4) > 0 ? referral.Uzovi : pools.Pick("uzovi", random, "3311"),
                    "pc4" or "base_pc4" or "served_pc4s" or "pc4s" => pools.Pick("pc4", random, "1183"),
                    "patient_postcode" => random.Next(3) == 0 ? pools.Pick("pc4", random, "1183") + " AB" : pools.Pick("pc4", random, "1183"),
                    "municipality" => random.Next(2) == 0 ? "Amstelveen" : "GM0362",
                    "referral_id" => referral?.Id ?? NewReferralId(),
                    "request_id" => $"fz-{Interlocked.Increment(ref _unique)}-{random.Next():x}",
                    "requester_org" => referral?.Org ?? pools.Pick("org", random, "fuzz-ziekenhuis"),
                    "code" => pools.Pick("org", random, "fuzz-ziekenhuis"),
                    "patient_ref" => $"pt-{Interlocked.Increment(ref _unique)}-{random.Next(100000)}",
                    "offer_id" => offer.OfferId ?? "of_0000000000000000",
                    "id" => pools.Pick("stop", random, "cs_0"),
                    "phone" => "020 123 4567",
                    "email" => "intake@example.org",
                    "hours" => "ma-vr 8.00-17.00",
                    "page_token" => random.Next(3) == 0 ? pools.Pick("token", random, "") : "", // a real token, perhaps of another list
                    "taken_by" => "bemiddelaar-1",
                    _ => $"Fuzz {field.Name} {random.Next(1000)}",
                };
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                return field.Name switch
                {
                    "year" => today.Year,
                    "free_places" => random.Next(0, 5),
                    "page_size" => random.Next(0, 60),
                    "max_parallel_offers" => random.Next(0, 4),
                    "patient_age" => random.Next(0, 100),
                    _ => 0,
                };
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                return field.Name == "version" ? Interlocked.Increment(ref _version) : 0L;
            case FieldType.UInt32 or FieldType.Fixed32:
                return 0u;
            case FieldType.UInt64 or FieldType.Fixed64:
                return 0ul;
            case FieldType.Double:
                return field.Name switch
                {
                    "radius_km" => random.Next(3) == 0 ? 0d : random.Next(1, 30),
                    "hours_per_week" => (double)random.Next(0, 40),
                    _ => 0d,
                };
            case FieldType.Float:
                return 0f;
            case FieldType.Bool:
                return field.Name switch
                {
                    "all_served_areas" => true,
                    "urgent" => random.Next(10) == 0,
                    _ => random.Next(2) == 0,
                };
            case FieldType.Bytes:
                return ByteString.CopyFromUtf8("x");
            case FieldType.Enum:
                var defined = field.EnumType.Values.Where(v => v.Number != 0).ToArray();
                // Mostly district nursing: that is what the baseline's providers are contracted and published for.
                var number = field.Name == "care_type" || field.Name == "care_types" && random.Next(3) > 0 ? 1
                    : defined.Length > 0 ? defined[random.Next(defined.Length)].Number : 0;
                return Enum.ToObject(field.EnumType.ClrType, number);
            case FieldType.Message:
                if (field.MessageType.FullName == "google.type.Date") return Date(today.AddDays(random.Next(0, 8)));
                return depth > 4 ? New(field.MessageType) : Baseline(field.MessageType, referral, depth + 1);
            default:
                throw new NotSupportedException(field.FieldType.ToString());
        }
    }

    // ---- mutation: a baseline with one to three fields replaced ----

    public IMessage Mutate(IMessage baseline)
    {
        var message = baseline.Descriptor.Parser.ParseFrom(baseline.ToByteString()); // a deep copy
        var count = random.Next(10) switch { < 7 => 1, < 9 => 2, _ => 3 };
        for (var i = 0; i < count; i++)
        {
            var slots = new List<(IMessage Owner, FieldDescriptor Field)>();
            CollectSlots(message, slots, 0);
            if (slots.Count == 0) break;
            var (owner, field) = slots[random.Next(slots.Count)];
            MutateField(owner, field);
        }
        return message;
    }

    static void CollectSlots(IMessage message, List<(IMessage, FieldDescriptor)> slots, int depth)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.IsMap) continue;
            slots.Add((message, field));
            if (field.FieldType != FieldType.Message || depth > 3) continue;
            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                foreach (var item in (IList)value) CollectSlots((IMessage)item!, slots, depth + 1);
            }
            else if (value is IMessage inner) CollectSlots(inner, slots, depth + 1);
        }
    }

    void MutateField(IMessage owner, FieldDescriptor field)
    {
        if (field.IsRepeated)
        {
            var list = (IList)field.Accessor.GetValue(owner);
            switch (random.Next(5))
            {
                case 0: list.Clear(); break;
                case 1: list.Add(WildValue(field, 1, small: list.Count > 8)); break;
                case 2 when list.Count > 0: list[random.Next(list.Count)] = WildValue(field, 1, small: list.Count > 8); break;
                default:
                    list.Clear();
                    var n = WildCount(field);
                    for (var i = 0; i < n; i++) list.Add(i < 8 ? WildValue(field, 1, small: n > 8) : list[i % 8]!);
                    break;
            }
            return;
        }
        if (random.Next(8) == 0) field.Accessor.Clear(owner);
        else field.Accessor.SetValue(owner, WildValue(field, 1));
    }

    // ---- wild: anything the wire format allows ----

    public IMessage Wild(MessageDescriptor descriptor, int depth = 0)
    {
        var message = New(descriptor);
        foreach (var field in ChosenFields(descriptor))
        {
            if (field.IsMap || random.Next(3) == 0) continue;
            if (field.FieldType == FieldType.Message && depth > 3) continue;
            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                var n = WildCount(field);
                // A long list repeats its first few values: the length is what is tested, and making thousands of values would slow the run.
                for (var i = 0; i < n; i++) list.Add(i < 8 ? WildValue(field, depth + 1, small: n > 8) : list[i % 8]!);
            }
            else field.Accessor.SetValue(message, WildValue(field, depth + 1));
        }
        return message;
    }

    int WildCount(FieldDescriptor field) => random.Next(_small ? 85 : 100) switch
    {
        < 30 => 0,
        < 60 => 1,
        < 85 => random.Next(2, 6),
        < 97 => random.Next(6, 300),
        // Long lists, up to and past the service's own limits (5,000 served areas, 10,000 figures).
        _ => field.FieldType == FieldType.Message ? random.Next(300, 10_002) : random.Next(300, 20_000),
    };

    // Set while the first elements of a long list are made: they are repeated thousands of times,
    // so neither they nor anything inside them may be long (a 1 MB string times 10,000 figures).
    bool _small;

    object WildValue(FieldDescriptor field, int depth, bool small = false)
    {
        if (!small || _small) return WildValue(field, depth);
        _small = true;
        try
        {
            return WildValue(field, depth);
        }
        finally
        {
            _small = false;
        }
    }

    object WildValue(FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.String => WildString(field.Name),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => WildInt32(),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => WildInt64(),
        FieldType.UInt32 or FieldType.Fixed32 => unchecked((uint)WildInt32()),
        FieldType.UInt64 or FieldType.Fixed64 => unchecked((ulong)WildInt64()),
        FieldType.Double => WildDouble(),
        FieldType.Float => (float)WildDouble(),
        FieldType.Bool => random.Next(2) == 0,
        FieldType.Bytes => ByteString.CopyFrom(RandomBytes(random.Next(0, 64))),
        FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, WildEnum(field.EnumType)),
        FieldType.Message when field.MessageType.FullName == "google.type.Date" => WildDate(),
        FieldType.Message => WildMessage(field.MessageType, depth),
        _ => throw new NotSupportedException(field.FieldType.ToString()),
    };

    /// <summary>A plausible sub-message, one with a field mutated, or a random one.</summary>
    IMessage WildMessage(MessageDescriptor type, int depth)
    {
        if (random.Next(3) > 0) return Wild(type, depth + 1);
        var baseline = Baseline(type, pools.PickReferral(random), depth + 1);
        return random.Next(2) == 0 ? Mutate(baseline) : baseline;
    }

    int WildEnum(EnumDescriptor type) => random.Next(10) switch
    {
        < 5 => type.Values[random.Next(type.Values.Count)].Number,
        5 => 0,
        6 => type.Values.Max(v => v.Number) + 1,
        7 => -1,
        8 => random.Next(2) == 0 ? int.MaxValue : int.MinValue,
        _ => random.Next(7, 1000),
    };

    static readonly int[] Int32Edges = [0, 1, -1, 2, 3, 17, 18, 130, 131, 199, 200, 201, 1999, 2000, 2025, 2026, 2100, 2101, 9999, 10_000, 10_001, 100_000, int.MaxValue, int.MinValue, int.MaxValue - 1];

    int WildInt32() => random.Next(3) == 0 ? random.Next(int.MinValue, int.MaxValue) : Int32Edges[random.Next(Int32Edges.Length)];

    static readonly long[] Int64Edges = [0, 1, -1, 2, (1L << 53) - 1, 1L << 53, (1L << 53) + 1, long.MaxValue, long.MinValue, int.MaxValue, (long)int.MaxValue + 1, 1_700_000_000_000, 253_402_300_800_000];

    long WildInt64() => random.Next(3) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : Int64Edges[random.Next(Int64Edges.Length)];

    static readonly double[] DoubleEdges = [0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -double.Epsilon, 1e-300, 1e308,
        double.MaxValue, double.MinValue, -1, 0.5, 15, 99.999, 100, 100.0000001, 101, 10_000, 10_000.0001, -100];

    double WildDouble() => random.Next(3) == 0 ? (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 12)) : DoubleEdges[random.Next(DoubleEdges.Length)];

    /// <summary>Valid days far in the past and future, and days that do not exist.</summary>
    Google.Type.Date WildDate() => random.Next(6) switch
    {
        0 => Date(today.AddDays(random.Next(-3, 400))),
        1 => Date(new DateOnly(random.Next(1, 10_000), random.Next(1, 13), random.Next(1, 29))),
        2 => Date(random.Next(2) == 0 ? DateOnly.MinValue : DateOnly.MaxValue),
        3 => new Google.Type.Date { Year = Pick(0, 1, 2026, 9999, 10_000, -1, int.MaxValue, int.MinValue), Month = Pick(0, 1, 2, 12, 13, -1, int.MaxValue), Day = Pick(0, 1, 28, 29, 30, 31, 32, -1, int.MinValue) },
        4 => new Google.Type.Date { Year = today.Year, Month = 2, Day = Pick(29, 30, 31) },
        _ => new Google.Type.Date { Year = WildInt32(), Month = WildInt32(), Day = WildInt32() },
    };

    int Pick(params int[] values) => values[random.Next(values.Length)];

    static readonly string[] Fixed =
    [
        "", " ", "  ", "\t", "\n", "\r\n", "0", "-1", "1e9", "NaN", "null", "undefined", "true", "{}", "[]", "/", "../..", "%2F", "%00", "?", "#", "\\",
        "1183", "1183 AB", "1183ab", "1183  AB", "0999", "1000", "9999", "10000", "118", "11834", " 1183", "1183 ", "+118", "-118", "١١٨٣",
        "75000001", "7500000", "750000011", "7500000a", "3311", "331", "33111", "GM0362", "gm0362", "GM9999", "Amstelveen", "amstelveen", "'s-Gravenhage",
        "ref_", "ref_0193", "REF_00000000000000000000000000000000", "of_", "cs_", "cs_demo_1", "of_0000000000000000",
        "111222333", "123456782", "€ 12,50", "EUR 1.200", "1200 euro", "tarief €75", "drop table", "'; --", "<script>alert(1)</script>", "${jndi:x}",
        "\u202Eevil", "a\u2066b\u2069", "\u200E", "\u200F", "\u061C", "\u0000", "\u0007", "\u001b[2J", "\u007f", "\u0085", "\u009b", "\uFEFF", "\u200B", "\uFFFD",
        "\u2028", "\u2029", "😊", "👩‍⚕️", "שלום", "مرحبا", "Zoë Müller-Ñúñez", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\uD800", "\uDFFF",
    ];

    string WildString(string fieldName)
    {
        switch (_small ? random.Next(9) : random.Next(20))
        {
            case 0 or 1: return Fixed[random.Next(Fixed.Length)];
            case 2: return Digits(random.Next(0, 14));
            case 3: return PoolValue(fieldName);
            case 4: return Inject(PoolValue(fieldName));
            case 5: return NewReferralId();
            case 6: return "ref_" + Convert.ToHexString(RandomBytes(16)); // upper case: not an id
            case 7: return RandomUnicode(random.Next(1, 80));
            case 8: return Inject(RandomUnicode(random.Next(1, 40)));
            case 9: return new string('x', Pick(63, 64, 65, 99, 100, 101, 199, 200, 201, 254, 255, 499, 500, 501, 999, 1000, 1001, 5000));
            case 10: return random.Next(40) == 0 ? Huge() : new string('ü', random.Next(1000, 20_000));
            case 11: return PageToken();
            case 12: return "pt-" + random.Next(1000);
            case 13: return Bsn();
            case 14: return Convert.ToBase64String(RandomBytes(random.Next(0, 40)));
            case 15: return Inject(Fixed[random.Next(Fixed.Length)] + PoolValue(fieldName));
            case 16: return PoolValue(fieldName).ToUpperInvariant() + Fixed[random.Next(Fixed.Length)];
            default: return AsciiNoise(random.Next(0, 70));
        }
    }

    string Huge()
    {
        var length = random.Next(100_000, HugeLength);
        return random.Next(2) == 0 ? new string('a', length) : string.Concat(Enumerable.Repeat("Wondzorg € ", length / 11));
    }

    string PoolValue(string fieldName) => random.Next(8) switch
    {
        0 => pools.Pick("agb", random, "75000001"),
        1 => pools.Pick("uzovi", random, "3311"),
        2 => pools.Pick("pc4", random, "1183"),
        3 => pools.Pick("org", random, "fuzz-ziekenhuis"),
        4 => pools.PickReferral(random)?.Id ?? NewReferralId(),
        5 => pools.PickReferral(random) is { Offers.Length: > 0 } r ? r.Offers[0].OfferId : "of_x",
        6 => pools.Pick("token", random, "tok"),
        _ => pools.Pick("stop", random, "cs_" + fieldName),
    };

    /// <summary>A control, bidi or odd character somewhere in the text.</summary>
    string Inject(string text)
    {
        char[] odd = ['\0', '\a', '\b', '\t', '\n', '\r', '\u000b', '\u000c', '\u001b', '\u007f', '\u0080', '\u0085', '\u009f', '\u202A', '\u202B', '\u202C', '\u202D',
            '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C', '\u200B', '\uFEFF', '\u2028'];
        var at = random.Next(text.Length + 1);
        return text[..at] + odd[random.Next(odd.Length)] + text[at..];
    }

    string Digits(int n) => string.Concat(Enumerable.Range(0, n).Select(_ => (char)('0' + random.Next(10))));

    string AsciiNoise(int n) => string.Concat(Enumerable.Range(0, n).Select(_ => (char)random.Next(0x20, 0x7F)));

    string RandomUnicode(int n)
    {
        var sb = new StringBuilder(n * 2);
        for (var i = 0; i < n; i++)
        {
            switch (random.Next(6))
            {
                case 0: sb.Append((char)random.Next(0x20, 0x7F)); break;
                case 1: sb.Append((char)random.Next(0x00, 0x20)); break;
                case 2: sb.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x10FFFF))); break;
                default:
                    var c = random.Next(0x80, 0xFFFE);
                    sb.Append(c is >= 0xD800 and <= 0xDFFF ? 'ä' : (char)c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Random bytes, or a page token's shape (base64url of "key\nmember") naming a list that may or may not be the one read.</summary>
    string PageToken()
    {
        var org = pools.Pick("org", random, "fuzz-ziekenhuis");
        var agb = pools.Pick("agb", random, "75000001");
        var key = random.Next(5) switch
        {
            0 => $"org:{{{org}}}:active",
            1 => $"org:{{{org}}}:placed",
            2 => $"offers:{{{agb}}}:open",
            3 => $"desk:{{{pools.Pick("uzovi", random, "3311")}}}:queue",
            _ => AsciiNoise(10),
        };
        var member = random.Next(4) switch
        {
            0 => $"{random.NextInt64(0, 9_999_999_999_999):D13}|{NewReferralId()}",
            1 => "9999999999999|",
            2 => "0000000000000|" + RandomUnicode(5),
            _ => AsciiNoise(random.Next(0, 30)),
        };
        var text = random.Next(6) == 0 ? key : $"{key}\n{member}";
        return random.Next(8) == 0 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) : Base64Url(Encoding.UTF8.GetBytes(text));
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A number that passes the 11-test: what the service must never store.</summary>
    string Bsn()
    {
        while (true)
        {
            var d = Digits(9);
            var sum = 0;
            for (var i = 0; i < 8; i++) sum += (9 - i) * (d[i] - '0');
            sum -= d[8] - '0';
            if (sum % 11 == 0 && sum != 0) return random.Next(2) == 0 ? d : $"{d[..4]}.{d[4..6]}.{d[6..]}";
        }
    }

    string NewReferralId() => "ref_" + Convert.ToHexStringLower(RandomBytes(16));

    byte[] RandomBytes(int n)
    {
        var bytes = new byte[n];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A serialized message with an unknown field appended: still well-framed protobuf, which a server must skip.</summary>
    public byte[] WithUnknownField(byte[] serialized)
    {
        using var stream = new MemoryStream();
        stream.Write(serialized);
        var output = new CodedOutputStream(stream);
        var number = random.Next(1000, 536_870_911);
        if (random.Next(2) == 0)
        {
            output.WriteTag(number, WireFormat.WireType.Varint);
            output.WriteInt64(WildInt64());
        }
        else
        {
            output.WriteTag(number, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(RandomBytes(random.Next(0, 100))));
        }
        output.Flush();
        return stream.ToArray();
    }

    static IMessage New(MessageDescriptor descriptor) => (IMessage)Activator.CreateInstance(descriptor.ClrType)!;

    static Google.Type.Date Date(DateOnly d) => new() { Year = d.Year, Month = d.Month, Day = d.Day };

    /// <summary>A seed from text, stable across runs and platforms (string.GetHashCode is not).</summary>
    public static int StableSeed(string text) => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
