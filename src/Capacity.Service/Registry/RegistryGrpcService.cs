using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Registry;

public sealed class RegistryGrpcService(RegistryStore store, RegistryCache cache, CapacityStore capacity, PostcodeDirectory postcodes,
    ProviderWrites providers, Mcsd.McsdStore directory, Microsoft.Extensions.Options.IOptions<Security.LimitsOptions> limits)
    : RegistryService.RegistryServiceBase
{
    const int ImportBatchSize = 256;

    public override async Task<UpsertInsurerResponse> UpsertInsurer(UpsertInsurerRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        RegistryValidation.Validate(request.Insurer, "insurer", errors);
        errors.ThrowIfAny();
        return new() { RegistryVersion = await WriteAsync([Write(request.Insurer)], RegistryChange.Nothing) };
    }

    public override async Task<UpsertProviderResponse> UpsertProvider(UpsertProviderRequest request, ServerCallContext context)
    {
        // Only the registry admin sets or clears inactive; a provider's own write keeps what is stored (docs/MCSD.md).
        if (request.Provider is { } p && Security.Caller.From(context.GetHttpContext().User) is { Role: not Security.Role.RegistryAdmin })
            p.Inactive = (await cache.KnowingAsync(agb: p.Agb)).Providers.GetValueOrDefault(p.Agb)?.Inactive ?? false;
        providers.Check(request.Provider).ThrowIfAny();
        return new() { RegistryVersion = await providers.WriteAsync([request.Provider]) };
    }

    public override async Task<UpsertContractResponse> UpsertContract(UpsertContractRequest request, ServerCallContext context)
    {
        var c = request.Contract;
        var snapshot = c is null ? cache.Current
            : await cache.KnowingAsync(Codes.IsAgb(c.ProviderAgb) ? c.ProviderAgb : null, Codes.IsUzovi(c.InsurerUzovi) ? c.InsurerUzovi : null);
        var errors = new InputErrors();
        RegistryValidation.Validate(request.Contract, "contract", errors, snapshot.Providers.ContainsKey, snapshot.Insurers.ContainsKey);
        errors.ThrowIfAny();
        return new() { RegistryVersion = await WriteAsync([Write(request.Contract)], new([request.Contract.ProviderAgb], [])) };
    }

    public override async Task<RemoveContractResponse> RemoveContract(RemoveContractRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        if (!Codes.IsAgb(request.ProviderAgb)) errors.Add("provider_agb", Codes.AgbRule);
        if (!Codes.IsUzovi(request.InsurerUzovi)) errors.Add("insurer_uzovi", Codes.UzoviRule);
        if (request.Year is < 2000 or > 2100) errors.Add("year", Reasons.NumberRange, "must be a calendar year between 2000 and 2100");
        errors.ThrowIfAny();

        var field = RegistryStore.Keys.ContractField(request.ProviderAgb, request.InsurerUzovi, request.Year);
        var (version, removed) = await store.WriteAsync(
            [RegistryWrite.Delete(RegistryHash.Contracts, field)], new([request.ProviderAgb], []));
        await cache.EnsureVersionAsync(version);
        return new() { Removed = removed > 0, RegistryVersion = version };
    }

    public override Task<Provider> GetProvider(GetProviderRequest request, ServerCallContext context)
    {
        if (!Codes.IsAgb(request.Agb)) throw InputErrors.Single("agb", Codes.AgbRule);
        return cache.Current.Providers.TryGetValue(request.Agb, out var provider)
            ? Task.FromResult(provider.ToProto())
            : throw Reasons.Refuse(StatusCode.NotFound, Reasons.ProviderNotFound, $"Provider {request.Agb} is not registered.");
    }

    public override async Task<UpsertRequestingOrganisationResponse> UpsertRequestingOrganisation(
        UpsertRequestingOrganisationRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        RegistryValidation.Validate(request.Organisation, "organisation", errors);
        errors.ThrowIfAny();
        // No search or region depends on who refers: the change announces nothing to recompute.
        return new() { RegistryVersion = await WriteAsync([Write(request.Organisation)], RegistryChange.Nothing) };
    }

    public override async Task<RequestingOrganisation> GetRequestingOrganisation(GetRequestingOrganisationRequest request, ServerCallContext context)
    {
        if (!Codes.IsOrganisation(request.Code)) throw InputErrors.Single("code", Codes.OrganisationRule);
        var snapshot = await cache.KnowingAsync(organisation: request.Code);
        return snapshot.Organisations.TryGetValue(request.Code, out var organisation)
            ? organisation.ToProto()
            : throw Reasons.Refuse(StatusCode.NotFound, Reasons.OrganisationNotFound, $"Organisation {request.Code} is not registered.");
    }

    public override Task<ListInsurersResponse> ListInsurers(ListInsurersRequest request, ServerCallContext context)
    {
        var errors = new InputErrors();
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        var page = Paging.Of(cache.Current.Insurers.Values, i => $"{i.Name.ToUpperInvariant()}\u0001{i.Uzovi}", "insurers", size, request.PageToken);
        return Task.FromResult(new ListInsurersResponse
        {
            Insurers = { page.Items.Select(i => new Insurer { Uzovi = i.Uzovi, Name = i.Name }) },
            NextPageToken = page.NextPageToken,
        });
    }

    public override Task<ListContractsResponse> ListContracts(ListContractsRequest request, ServerCallContext context)
    {
        var contracts = cache.Current.Contracts.Values.AsEnumerable();
        contracts = request.OwnerCase switch
        {
            ListContractsRequest.OwnerOneofCase.ProviderAgb when Codes.IsAgb(request.ProviderAgb) => contracts.Where(c => c.Agb == request.ProviderAgb),
            ListContractsRequest.OwnerOneofCase.InsurerUzovi when Codes.IsUzovi(request.InsurerUzovi) => contracts.Where(c => c.Uzovi == request.InsurerUzovi),
            ListContractsRequest.OwnerOneofCase.ProviderAgb => throw InputErrors.Single("provider_agb", Codes.AgbRule),
            ListContractsRequest.OwnerOneofCase.InsurerUzovi => throw InputErrors.Single("insurer_uzovi", Codes.UzoviRule),
            _ => throw InputErrors.Single("owner", Reasons.ChoiceRequired, "set provider_agb or insurer_uzovi"),
        };
        if (request.Year != 0) contracts = contracts.Where(c => c.Year == request.Year);
        var errors = new InputErrors();
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        var page = Paging.Of(contracts, c => $"{c.Agb}|{c.Uzovi}|{c.Year:D4}", $"contracts:{request.ProviderAgb}{request.InsurerUzovi}:{request.Year}", size, request.PageToken);
        return Task.FromResult(new ListContractsResponse { Contracts = { page.Items.Select(c => c.ToProto()) }, NextPageToken = page.NextPageToken });
    }

    /// <summary>
    /// Validates each item against the registry plus the items accepted earlier in the stream, and
    /// writes accepted items in batches (one script call each); every item is answered, in order,
    /// once its batch is stored.
    /// </summary>
    public override async Task ImportRegistry(
        IAsyncStreamReader<ImportRegistryRequest> requestStream,
        IServerStreamWriter<ImportRegistryResponse> responseStream,
        ServerCallContext context)
    {
        var caller = context.CallerOrNull();
        var snapshot = cache.Current;
        var newProviders = new Dictionary<string, Provider>();
        var newInsurers = new HashSet<string>();
        var writes = new List<RegistryWrite>();
        var pending = new List<ImportRegistryResponse>();
        var change = RegistryChange.Nothing;
        var dropped = new List<(string Agb, IReadOnlyCollection<int> Areas)>();
        long sequence = 0, lastVersion = 0;

        async Task FlushAsync()
        {
            if (writes.Count > 0)
            {
                (lastVersion, _) = await store.WriteAsync(writes, change);
                writes.Clear();
                change = RegistryChange.Nothing;
            }
            foreach (var (agb, areas) in dropped) await capacity.ForgetAsync(agb, areas);
            dropped.Clear();
            foreach (var response in pending) await responseStream.WriteAsync(response);
            pending.Clear();
        }

        await foreach (var item in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (sequence == limits.Value.MaxStreamItems)
            {
                // What came before the limit is written and answered; the stream ends here.
                await FlushAsync();
                await cache.EnsureVersionAsync(lastVersion);
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"At most {limits.Value.MaxStreamItems} items per import stream; items 1 to {sequence} were answered. Send the rest on a new stream."));
            }
            sequence++;
            if (DeniedItem(caller, item) is { } denied)
            {
                pending.Add(new ImportRegistryResponse { Sequence = sequence, Status = new Google.Rpc.Status { Code = (int)StatusCode.PermissionDenied, Message = denied } });
                continue;
            }
            var errors = new InputErrors();
            switch (item.ItemCase)
            {
                case ImportRegistryRequest.ItemOneofCase.Insurer:
                    RegistryValidation.Validate(item.Insurer, "insurer", errors);
                    if (errors.Any) break;
                    newInsurers.Add(item.Insurer.Uzovi);
                    writes.Add(Write(item.Insurer));
                    break;
                case ImportRegistryRequest.ItemOneofCase.Provider:
                    RegistryValidation.Validate(item.Provider, "provider", errors, postcodes);
                    if (errors.Any) break;
                    change = change.Merge(ProviderWrites.ChangeOf(item.Provider, snapshot, newProviders.GetValueOrDefault(item.Provider.Agb)));
                    dropped.Add((item.Provider.Agb, ProviderWrites.DroppedAreas(item.Provider, snapshot.Providers.GetValueOrDefault(item.Provider.Agb),
                        newProviders.GetValueOrDefault(item.Provider.Agb))));
                    newProviders[item.Provider.Agb] = item.Provider;
                    writes.Add(ProviderWrites.Write(item.Provider));
                    break;
                case ImportRegistryRequest.ItemOneofCase.Contract:
                    if (!newProviders.ContainsKey(item.Contract.ProviderAgb) && !snapshot.Providers.ContainsKey(item.Contract.ProviderAgb)
                        || !newInsurers.Contains(item.Contract.InsurerUzovi) && !snapshot.Insurers.ContainsKey(item.Contract.InsurerUzovi))
                        snapshot = await cache.CatchUpAsync(); // registered through another instance a moment ago?
                    RegistryValidation.Validate(item.Contract, "contract", errors,
                        agb => newProviders.ContainsKey(agb) || snapshot.Providers.ContainsKey(agb),
                        uzovi => newInsurers.Contains(uzovi) || snapshot.Insurers.ContainsKey(uzovi));
                    if (errors.Any) break;
                    change = change.Merge(new([item.Contract.ProviderAgb], []));
                    writes.Add(Write(item.Contract));
                    break;
                case ImportRegistryRequest.ItemOneofCase.RequestingOrganisation:
                    RegistryValidation.Validate(item.RequestingOrganisation, "requesting_organisation", errors);
                    if (errors.Any) break;
                    writes.Add(Write(item.RequestingOrganisation));
                    break;
                default:
                    errors.Add("item", Reasons.ChoiceRequired, "set insurer, provider, contract or requesting_organisation");
                    break;
            }
            pending.Add(new ImportRegistryResponse { Sequence = sequence, Status = errors.Any ? errors.ToStatus() : InputErrors.Ok });
            if (writes.Count >= ImportBatchSize) await FlushAsync();
        }
        await FlushAsync();
        await cache.EnsureVersionAsync(lastVersion);
    }

    public override Task<DirectorySyncStatus> GetDirectorySyncStatus(GetDirectorySyncStatusRequest request, ServerCallContext context) =>
        directory.ReadStatusAsync();

    /// <summary>An insurer's import writes its own contracts only; the registry admin insurers, providers and requesting organisations, no contracts.</summary>
    static string? DeniedItem(Security.Caller? caller, ImportRegistryRequest item) => (caller?.Role, item.ItemCase) switch
    {
        (null, _) => null,
        (Security.Role.InsurerImport, ImportRegistryRequest.ItemOneofCase.Contract) when item.Contract.InsurerUzovi == caller.Uzovi => null,
        (Security.Role.InsurerImport, _) => "an insurer imports its own contracts only",
        (Security.Role.RegistryAdmin, ImportRegistryRequest.ItemOneofCase.Contract) => "contracts are written by the insurer they belong to",
        (Security.Role.RegistryAdmin, _) => null,
        _ => "not allowed",
    };

    async Task<long> WriteAsync(IReadOnlyList<RegistryWrite> writes, RegistryChange change)
    {
        var (version, _) = await store.WriteAsync(writes, change);
        await cache.EnsureVersionAsync(version);
        return version;
    }

    static RegistryWrite Write(Insurer i) => RegistryWrite.Set(RegistryHash.Insurers, i.Uzovi, i);

    static RegistryWrite Write(RequestingOrganisation o) => RegistryWrite.Set(RegistryHash.Organisations, o.Code, o);

    static RegistryWrite Write(Contract c)
    {
        var copy = c.Clone();
        copy.CareTypes.Clear();
        copy.CareTypes.AddRange(c.CareTypes.Distinct().Order());
        return RegistryWrite.Set(RegistryHash.Contracts, RegistryStore.Keys.ContractField(c.ProviderAgb, c.InsurerUzovi, c.Year), copy);
    }
}
