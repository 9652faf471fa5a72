using Capacity.Service.Security;

// dotnet run --project tools/Capacity.Tokens -- new-key
// dotnet run --project tools/Capacity.Tokens -- issue --role provider --tenant 12345678 --key <base64> [--issuer capacity-dev] [--audience capacity] [--hours 8]
const string Usage = """
    usage: Capacity.Tokens new-key
           Capacity.Tokens issue --role provider|requester|insurer_desk|insurer_import|municipality|registry_admin|regulator
                                 [--tenant AGB|org|UZOVI|GM-code] --key base64 [--subject s] [--name n]
                                 [--issuer capacity-dev] [--audience capacity] [--hours 8]
    Prints a token for Auth:Issuer / Auth:SigningKey set to the same issuer and key.
    """;

if (args is ["new-key"])
{
    Console.WriteLine(DevTokens.NewSigningKey());
    return 0;
}
if (args is not ["issue", .. var rest] || rest.Length % 2 != 0)
{
    Console.Error.WriteLine(Usage);
    return 64;
}
var options = new Dictionary<string, string>();
for (var i = 0; i < rest.Length; i += 2) options[rest[i].TrimStart('-')] = rest[i + 1];
if (!options.TryGetValue("role", out var role) || !options.TryGetValue("key", out var key))
{
    Console.Error.WriteLine(Usage);
    return 64;
}
var tenant = options.GetValueOrDefault("tenant");
var identity = new DevIdentity(options.GetValueOrDefault("subject") ?? $"{role}:{tenant ?? "admin"}", role, tenant, options.GetValueOrDefault("name"));
Console.WriteLine(DevTokens.Issue(identity, options.GetValueOrDefault("issuer") ?? "capacity-dev", options.GetValueOrDefault("audience") ?? "capacity", key,
    TimeSpan.FromHours(double.Parse(options.GetValueOrDefault("hours") ?? "8", System.Globalization.CultureInfo.InvariantCulture))));
return 0;
