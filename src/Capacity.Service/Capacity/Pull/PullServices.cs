using Microsoft.Extensions.Options;

namespace Capacity.Service.Capacity.Pull;

public static class PullServices
{
    /// <summary>Pulling providers' capacity.json: options, the store, the fetcher's own HttpClient, and the background puller.</summary>
    public static IServiceCollection AddCapacityPull(this IServiceCollection services)
    {
        services.AddOptions<PullOptions>().BindConfiguration("Pull")
            .Validate(o => o.IsValid, "Pull: Interval up to a day, Timeout up to 5 minutes, PollPeriod positive, Interval <= MaxBackoff <= 7 days, MaxParallel 1 to 64, MaxDocumentBytes 1 KB to 64 MB")
            .ValidateOnStart();
        services.AddSingleton<PullStore>();
        services.AddSingleton<PullFetcher>();
        services.AddHttpClient(PullFetcher.ClientName, c =>
            {
                c.Timeout = Timeout.InfiniteTimeSpan; // the fetcher bounds each fetch itself, body included
                c.DefaultRequestHeaders.UserAgent.ParseAdd("Capacity/1 (capacity.json pull)");
            })
            .ConfigurePrimaryHttpMessageHandler(sp => PullFetcher.CreateHandler(sp.GetRequiredService<IOptions<PullOptions>>().Value));
        services.AddSingleton<CapacityPuller>();
        services.AddHostedService(sp => sp.GetRequiredService<CapacityPuller>());
        return services;
    }
}
