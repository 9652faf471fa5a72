namespace Capacity.Service.Insight.Alerts;

public static class AlertsServices
{
    public static IServiceCollection AddInsightAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<AlertQuery>();
        return services;
    }
}
