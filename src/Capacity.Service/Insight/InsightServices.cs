using Capacity.Service.Insight.Alerts;
using Capacity.Service.Insight.History;
using Capacity.Service.Insight.Placements;

namespace Capacity.Service.Insight;

public static class InsightServices
{
    /// <summary>Insight over time: each part registers its own stores, queries and background work.</summary>
    public static IServiceCollection AddInsight(this IServiceCollection services, IConfiguration configuration) => services
        .AddCapacityHistory(configuration)
        .AddPlacementInsight(configuration)
        .AddInsightAlerts(configuration);
}
