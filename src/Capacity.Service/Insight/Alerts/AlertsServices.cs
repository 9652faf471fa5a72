namespace Capacity.Service.Insight.Alerts;

public static class AlertsServices
{
    public static IServiceCollection AddInsightAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AlertsOptions>().BindConfiguration(AlertsOptions.Section)
            .Validate(o => o.IsValid, "Insight:Alerts: UnansweredAfter, UrgentUnansweredAfter, ZeroCapacityAfter and CheckInterval must be positive, StaleWarningBefore not negative")
            .ValidateOnStart();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<ReferralAlerts>();
        services.AddSingleton<FigureAlerts>();
        services.AddSingleton<AlertChecker>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertChecker>());
        services.AddSingleton<AlertQuery>();
        return services;
    }
}
