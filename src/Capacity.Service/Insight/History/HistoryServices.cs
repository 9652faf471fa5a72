namespace Capacity.Service.Insight.History;

public static class HistoryServices
{
    public static IServiceCollection AddCapacityHistory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<StopHistory>();
        services.AddSingleton<CapacityHistoryQuery>();
        services.AddSingleton<ClientStopAnalytics>();
        return services;
    }
}
