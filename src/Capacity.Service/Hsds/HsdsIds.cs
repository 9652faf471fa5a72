using System.Security.Cryptography;
using System.Text;

namespace Capacity.Service.Hsds;

/// <summary>
/// HSDS ids are UUIDs. Ours are name-based (RFC 9562 version 5, SHA-1) from what they stand for
/// ("service:{agb}:{care type}", "organization:{agb}", …): stable across instances and restarts
/// with nothing stored, and the same object always has the same id.
/// </summary>
public static class HsdsIds
{
    // The namespace of all Capacity HSDS ids (a random UUID, fixed here once).
    static readonly Guid Namespace = new("6f1d5c2e-8a41-4b7e-9a53-2c0e4d7b9f10");

    public static Guid Of(string name)
    {
        Span<byte> input = stackalloc byte[16 + Encoding.UTF8.GetByteCount(name)];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        Encoding.UTF8.GetBytes(name, input[16..]);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }

    public static string Text(string name) => Of(name).ToString("D");
}
