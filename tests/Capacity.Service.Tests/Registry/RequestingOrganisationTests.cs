using System.Net.Http.Json;
using System.Text.Json;
using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;
using RegistryStore = Capacity.Service.Registry.RegistryStore;

namespace Capacity.Service.Tests.Registry;

/// <summary>Hospitals and GP practices that refer: their name and the desk a provider calls, kept in the registry.</summary>
public sealed class RequestingOrganisationTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    static int _next;

    static string NewCode() => $"ziekenhuis-{Interlocked.Increment(ref _next)}";

    static RequestingOrganisation Hospital(string code) => new()
    {
        Code = code,
        Name = "Ziekenhuis Zuid, transferbureau",
        Kind = OrganisationKind.Hospital,
        TransferDesk = new Contact { Phone = "+31 (0)20 555 0299", Email = "transfer@ziekenhuis-zuid.example", Hours = "ma-vr 8.00-17.00" },
    };

    [Fact]
    public async Task OrganisationIsReadBackWithItsTransferDeskAsStored()
    {
        var code = NewCode();
        var first = Hospital(code);
        first.Name = "Eerst";
        await app.Registry.UpsertRequestingOrganisationAsync(new UpsertRequestingOrganisationRequest { Organisation = first });
        var written = await app.Registry.UpsertRequestingOrganisationAsync(new UpsertRequestingOrganisationRequest { Organisation = Hospital(code) });

        var read = await app.Registry.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = code });
        var json = await app.CreateClient().GetFromJsonAsync<JsonElement>($"/api/v1/organisations/{code}", TestContext.Current.CancellationToken);

        Assert.Equal(Hospital(code), read); // replaced whole, the phone as sent
        Assert.Equal(written.RegistryVersion, await app.Services.GetRequiredService<RegistryStore>().GetVersionAsync());
        Assert.Equal("ORGANISATION_KIND_HOSPITAL", json.GetProperty("kind").GetString());
        Assert.Equal("ma-vr 8.00-17.00", json.GetProperty("transferDesk").GetProperty("hours").GetString());
    }

    [Fact]
    public async Task OrganisationWithBadFieldsNamesEveryOneAndNothingIsStored()
    {
        var store = app.Services.GetRequiredService<RegistryStore>();
        var before = await store.GetVersionAsync();
        var code = NewCode();
        var everythingWrong = new RequestingOrganisation
        {
            Code = "ziekenhuis zuid", Name = " ", Kind = OrganisationKind.Unspecified,
            TransferDesk = new Contact { Phone = "112", Email = "transfer at ziekenhuis-zuid.example" },
        };
        var withoutDesk = new RequestingOrganisation { Code = code, Name = "Ziekenhuis Zuid", Kind = (OrganisationKind)42 };

        await AssertInvalidAsync(() => app.Registry.UpsertRequestingOrganisationAsync(new UpsertRequestingOrganisationRequest { Organisation = everythingWrong }).ResponseAsync,
            "organisation.code", "organisation.name", "organisation.kind", "organisation.transfer_desk.phone", "organisation.transfer_desk.email");
        await AssertInvalidAsync(() => app.Registry.UpsertRequestingOrganisationAsync(new UpsertRequestingOrganisationRequest { Organisation = withoutDesk }).ResponseAsync,
            "organisation.kind", "organisation.transfer_desk");
        await AssertInvalidAsync(() => app.Registry.UpsertRequestingOrganisationAsync(new UpsertRequestingOrganisationRequest()).ResponseAsync,
            "organisation");

        var lookup = await Assert.ThrowsAsync<RpcException>(() => app.Registry.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = code }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, lookup.StatusCode);
        Assert.Equal(before, await store.GetVersionAsync());
    }

    [Fact]
    public async Task AskingForAMalformedCodeNamesTheCode()
    {
        await AssertInvalidAsync(() => app.Registry.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = "ziekenhuis/zuid" }).ResponseAsync, "code");
    }

    [Fact]
    public async Task ImportKeepsAGoodOrganisationAndAnswersABadOneWithItsFields()
    {
        var good = NewCode();
        var bad = Hospital(NewCode());
        bad.Name = "";
        bad.TransferDesk.Phone = "";

        using var call = app.Registry.ImportRegistry();
        await call.RequestStream.WriteAsync(new ImportRegistryRequest { RequestingOrganisation = Hospital(good) });
        await call.RequestStream.WriteAsync(new ImportRegistryRequest { RequestingOrganisation = bad });
        await call.RequestStream.CompleteAsync();
        var answers = await call.ResponseStream.ReadAllAsync().ToListAsync();

        Assert.Equal([0, 3], answers.Select(a => a.Status.Code)); // 3 = INVALID_ARGUMENT
        Assert.Equal(["requesting_organisation.name", "requesting_organisation.transfer_desk.phone"],
            answers[1].Status.Details.Single().Unpack<BadRequest>().FieldViolations.Select(v => v.Field));
        Assert.Equal(Hospital(good), await app.Registry.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = good }));
        var missing = await Assert.ThrowsAsync<RpcException>(() => app.Registry.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = bad.Code }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task OnlyTheRegistryAdminImportsOrganisations()
    {
        const string issuer = "capacity-test";
        var key = DevTokens.NewSigningKey();
        await using var signedIn = new CapacityApp().With("Auth:Required", "true").With("Auth:Issuer", issuer).With("Auth:SigningKey", key);
        await signedIn.InitializeAsync();
        RegistryService.RegistryServiceClient As(string role, string? code) =>
            new(signedIn.CreateChannel(DevTokens.Issue(new DevIdentity($"{role}-user", role, code), issuer, "capacity", key)));

        var byAdmin = await ImportOneAsync(As("registry_admin", null), Hospital("door-beheer"));
        var byInsurer = await ImportOneAsync(As("insurer_import", "9101"), Hospital("door-verzekeraar"));

        Assert.Equal(0, byAdmin.Status.Code);
        Assert.Equal(7, byInsurer.Status.Code); // PERMISSION_DENIED
        var reader = As("provider", "75000001");
        Assert.Equal(Hospital("door-beheer"), await reader.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = "door-beheer" }));
        var missing = await Assert.ThrowsAsync<RpcException>(() => reader.GetRequestingOrganisationAsync(new GetRequestingOrganisationRequest { Code = "door-verzekeraar" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    static async Task<ImportRegistryResponse> ImportOneAsync(RegistryService.RegistryServiceClient client, RequestingOrganisation organisation)
    {
        using var call = client.ImportRegistry();
        await call.RequestStream.WriteAsync(new ImportRegistryRequest { RequestingOrganisation = organisation });
        await call.RequestStream.CompleteAsync();
        return Assert.Single(await call.ResponseStream.ReadAllAsync().ToListAsync());
    }
}
