namespace Capacity.Service.Insight.Placements;

public static class PlacementsServices
{
    public static IServiceCollection AddPlacementInsight(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PlacementStore>();
        services.AddSingleton<PagedAnswers>();
        services.AddSingleton<PlacementAnalytics>();
        services.AddSingleton<UnmetDemandReports>();
        return services;
    }
}
