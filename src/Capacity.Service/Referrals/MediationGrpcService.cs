using Capacity.Service.Shared;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Referrals;

/// <summary>The mediation desk's side: the queue of escalated referrals, the leads for each, and the unmet demand they signal.</summary>
public sealed class MediationGrpcService(ReferralWorkflow workflow, ReferralLists lists, UnmetDemandStore unmet, Geography.PostcodeDirectory postcodes) : MediationService.MediationServiceBase
{
    public override Task<ListDeskQueueResponse> ListDeskQueue(ListDeskQueueRequest request, ServerCallContext context) => lists.DeskQueueAsync(request);

    public override Task<Referral> TakeReferral(TakeReferralRequest request, ServerCallContext context) => workflow.TakeAsync(request, Viewer.Of(context));

    public override Task<FindProvidersResponse> SearchForReferral(SearchForReferralRequest request, ServerCallContext context) =>
        workflow.SearchForDeskAsync(request, Viewer.Of(context));

    public override Task<FindLeadsResponse> FindLeads(FindLeadsRequest request, ServerCallContext context) => workflow.FindLeadsAsync(request, Viewer.Of(context));

    public override Task<OfferReferralResponse> OfferFromDesk(OfferFromDeskRequest request, ServerCallContext context) =>
        workflow.OfferFromDeskAsync(request, Viewer.Of(context));

    public override Task<Referral> CloseReferral(CloseReferralRequest request, ServerCallContext context) => workflow.CloseAsync(request, Viewer.Of(context));

    public override async Task<GetUnmetDemandResponse> GetUnmetDemand(GetUnmetDemandRequest request, ServerCallContext context)
    {
        var response = new GetUnmetDemandResponse();
        var pageErrors = new InputErrors();
        var size = Paging.PageSize(request.PageSize, pageErrors);
        switch (request.ScopeCase)
        {
            case GetUnmetDemandRequest.ScopeOneofCase.InsurerUzovi when Codes.IsUzovi(request.InsurerUzovi):
                pageErrors.ThrowIfAny();
                var cells = await unmet.ByInsurerAsync(request.InsurerUzovi, size, request.PageToken);
                response.Counts.AddRange(cells.Items
                    .Select(c => new UnmetDemandCount { InsurerUzovi = request.InsurerUzovi, MunicipalityCode = c.Place, CareType = c.CareType, Escalations = c.Count }));
                response.NextPageToken = cells.NextPageToken;
                break;
            case GetUnmetDemandRequest.ScopeOneofCase.InsurerUzovi:
                throw pageErrors.Add("insurer_uzovi", Codes.UzoviRule).ToException();
            case GetUnmetDemandRequest.ScopeOneofCase.Municipality:
                var municipality = postcodes.FindMunicipality(request.Municipality);
                if (municipality is null) pageErrors.Add("municipality", Reasons.MunicipalityUnknown, $"'{request.Municipality}' is not a municipality (CBS code like GM0362 or name)");
                pageErrors.ThrowIfAny();
                // The totals are at most one per care type: whole on every page. The areas grow with use: paged.
                var totals = unmet.ByMunicipalityAsync(municipality!.Code);
                var areas = unmet.ByAreaAsync(municipality.Code, size, request.PageToken);
                response.Counts.AddRange((await totals).OrderBy(c => c.CareType)
                    .Select(c => new UnmetDemandCount { MunicipalityCode = municipality.Code, CareType = c.CareType, Escalations = c.Count }));
                var page = await areas;
                response.Areas.AddRange(page.Items
                    .Select(c => new UnmetDemandCount { MunicipalityCode = municipality.Code, Pc4 = c.Place, CareType = c.CareType, Escalations = c.Count }));
                response.NextPageToken = page.NextPageToken;
                break;
            default:
                throw InputErrors.Single("scope", Reasons.ChoiceRequired, "set insurer_uzovi or municipality");
        }
        return response;
    }
}
