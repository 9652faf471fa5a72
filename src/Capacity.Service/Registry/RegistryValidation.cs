using System.Text.RegularExpressions;
using Capacity.Service.Geography;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Registry;

/// <summary>Rules for registry input. Field names are the proto's, prefixed with the enclosing field.</summary>
public static partial class RegistryValidation
{
    public const int MaxNameLength = 200;
    public const int MaxServedAreas = 5000; // a national provider may serve every PC4 (4,067)
    public const int MaxEmailLength = 254; // the longest address SMTP can carry (RFC 5321 path limit less the brackets)
    public const int MaxHoursLength = 100;

    public static void Validate(Insurer? insurer, string prefix, InputErrors errors)
    {
        if (insurer is null)
        {
            errors.Add(prefix, Reasons.Required, "is required");
            return;
        }
        if (!Codes.IsUzovi(insurer.Uzovi)) errors.Add($"{prefix}.uzovi", Codes.UzoviRule);
        ValidateName(insurer.Name, $"{prefix}.name", errors);
    }

    public static void Validate(Provider? provider, string prefix, InputErrors errors, PostcodeDirectory postcodes)
    {
        if (provider is null)
        {
            errors.Add(prefix, Reasons.Required, "is required");
            return;
        }
        if (!Codes.IsAgb(provider.Agb)) errors.Add($"{prefix}.agb", Codes.AgbRule);
        ValidateName(provider.Name, $"{prefix}.name", errors);
        if (!IsKnownPc4(provider.BasePc4, postcodes)) errors.Add($"{prefix}.base_pc4", Reasons.PostcodeUnknown, $"'{provider.BasePc4}' is not a known PC4 area");
        if (provider.ServedPc4S.Count == 0 && !provider.Inactive) errors.Add($"{prefix}.served_pc4s", Reasons.ListEmpty, "must list at least one PC4 area");
        else if (provider.ServedPc4S.Count > MaxServedAreas) errors.Add($"{prefix}.served_pc4s", Reasons.ListTooLong, $"at most {MaxServedAreas} areas");
        else
        {
            var unknown = provider.ServedPc4S.Where(pc4 => !IsKnownPc4(pc4, postcodes)).Take(5).ToArray();
            if (unknown.Length > 0) errors.Add($"{prefix}.served_pc4s", Reasons.PostcodeUnknown, $"unknown PC4 area(s): {string.Join(", ", unknown)}");
        }
        ValidateContact(provider.Intake, $"{prefix}.intake", errors, required: false);
        ValidateCareTypes(provider.CareTypes, $"{prefix}.care_types", errors, required: false);
    }

    public static void Validate(RequestingOrganisation? organisation, string prefix, InputErrors errors)
    {
        if (organisation is null)
        {
            errors.Add(prefix, Reasons.Required, "is required");
            return;
        }
        if (!Codes.IsOrganisation(organisation.Code)) errors.Add($"{prefix}.code", Codes.OrganisationRule);
        ValidateName(organisation.Name, $"{prefix}.name", errors);
        if (organisation.Kind == OrganisationKind.Unspecified || !Enum.IsDefined(organisation.Kind))
            errors.Add($"{prefix}.kind", Reasons.ValueUnknown, "must be HOSPITAL, GP_PRACTICE, CARE_INSTITUTION or OTHER");
        ValidateContact(organisation.TransferDesk, $"{prefix}.transfer_desk", errors, required: true);
    }

    /// <summary>A desk's contact: its phone whenever a contact is given; e-mail and hours optional.</summary>
    public static void ValidateContact(Contact? contact, string prefix, InputErrors errors, bool required)
    {
        if (contact is null)
        {
            if (required) errors.Add(prefix, Reasons.Required, "is required");
            return;
        }
        if (string.IsNullOrWhiteSpace(contact.Phone)) errors.Add($"{prefix}.phone", Reasons.Required, "is required");
        else if (!DutchPhone.IsValid(contact.Phone)) errors.Add($"{prefix}.phone", Reasons.PhoneFormat, DutchPhone.Rule);

        if (contact.Email.Length > MaxEmailLength) errors.Add($"{prefix}.email", Reasons.TextTooLong, $"at most {MaxEmailLength} characters");
        else if (FreeText.Problem(contact.Email, multiLine: false) is { } emailChars) errors.Add($"{prefix}.email", emailChars);
        else if (contact.Email.Length > 0 && !PlausibleEmail().IsMatch(contact.Email))
            errors.Add($"{prefix}.email", Reasons.EmailFormat, "must be an e-mail address such as intake@example.org, without spaces");

        // Hours are free text that every party reads: the same boundary as any other free text.
        if (contact.Hours.Length > MaxHoursLength) errors.Add($"{prefix}.hours", Reasons.TextTooLong, $"at most {MaxHoursLength} characters");
        else if (FreeText.Problem(contact.Hours, multiLine: false) is { } hoursChars) errors.Add($"{prefix}.hours", hoursChars);
        else if (InformationBoundary.ContainsMoneyAmount(contact.Hours)) errors.Add($"{prefix}.hours", Reasons.MoneyAmount, InformationBoundary.Refusal);
    }

    public static void Validate(Contract? contract, string prefix, InputErrors errors, Func<string, bool> providerExists, Func<string, bool> insurerExists)
    {
        if (contract is null)
        {
            errors.Add(prefix, Reasons.Required, "is required");
            return;
        }
        if (!Codes.IsAgb(contract.ProviderAgb)) errors.Add($"{prefix}.provider_agb", Codes.AgbRule);
        else if (!providerExists(contract.ProviderAgb)) errors.Add($"{prefix}.provider_agb", Reasons.ProviderUnknown, $"provider {contract.ProviderAgb} is not registered");
        if (!Codes.IsUzovi(contract.InsurerUzovi)) errors.Add($"{prefix}.insurer_uzovi", Codes.UzoviRule);
        else if (!insurerExists(contract.InsurerUzovi)) errors.Add($"{prefix}.insurer_uzovi", Reasons.InsurerUnknown, $"insurer {contract.InsurerUzovi} is not registered");
        if (contract.Year is < 2000 or > 2100) errors.Add($"{prefix}.year", Reasons.NumberRange, "must be a calendar year between 2000 and 2100");
        ValidateCareTypes(contract.CareTypes, $"{prefix}.care_types", errors, required: true);
        if (contract.ContractType == ContractType.Unspecified || !Enum.IsDefined(contract.ContractType))
            errors.Add($"{prefix}.contract_type", Reasons.ValueUnknown, "must be PLUS, STANDAARD, CLIENTVOLGEND or ZZP");
    }

    public static void ValidateCareTypes(IEnumerable<CareType> types, string field, InputErrors errors, bool required)
    {
        var list = types.ToList();
        if (required && list.Count == 0) errors.Add(field, Reasons.ListEmpty, "must list at least one care type");
        if (list.Any(t => !CareTypes.IsKnown(t))) errors.Add(field, Reasons.CareTypeUnknown, "contains an unknown care type");
    }

    public static bool IsKnownPc4(string? text, PostcodeDirectory postcodes) =>
        text is { Length: 4 } && int.TryParse(text, out var pc4) && postcodes.Contains(pc4);

    static void ValidateName(string? name, string field, InputErrors errors)
    {
        if (FreeText.IsBlank(name)) errors.Add(field, Reasons.Required, "is required");
        else if (name.Length > MaxNameLength) errors.Add(field, Reasons.TextTooLong, $"at most {MaxNameLength} characters");
        else if (FreeText.Problem(name, multiLine: false) is { } chars) errors.Add(field, chars);
    }

    // Plausible, not proven: something, one @, a domain with a dot; no spaces or control characters.
    // Only a mail that arrives proves an address.
    [GeneratedRegex(@"^[^@\s\p{Cc}]+@[^@\s\p{Cc}.]+(\.[^@\s\p{Cc}.]+)+$")]
    private static partial Regex PlausibleEmail();
}
