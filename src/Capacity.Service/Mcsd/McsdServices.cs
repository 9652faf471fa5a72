using Capacity.Service.Registry;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Mcsd;

public static class McsdServices
{
    /// <summary>The directory sync (off while Directory:Mcsd:BaseUrl is empty) and the provider write path it shares with RegistryService.</summary>
    public static IServiceCollection AddMcsdDirectory(this IServiceCollection services)
    {
        services.AddOptions<McsdOptions>().BindConfiguration("Directory:Mcsd")
            .Validate(o => o.IsValid,
                "Directory:Mcsd: BaseUrl must be an absolute https URL without query (http only to a loopback address), Interval >= 1 s, "
                + "RequestTimeout > 0, LockTime > RequestTimeout, 1 <= PageSize <= 1000, MaxPages >= 1, each CareTypeCodes entry a System, a Code and a known CareType")
            .ValidateOnStart();
        services.AddHttpClient(McsdClient.HttpClientName)
            .ConfigureHttpClient((sp, c) =>
            {
                c.Timeout = sp.GetRequiredService<IOptions<McsdOptions>>().Value.RequestTimeout;
                c.MaxResponseContentBufferSize = McsdClient.MaxPageBytes;
            })
            // A redirect would bypass the same-origin check of next links: a 3xx is an error (docs/MCSD.md).
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton<ProviderWrites>();
        services.AddSingleton<McsdStore>();
        services.AddSingleton<McsdClient>();
        services.AddSingleton<McsdSync>();
        services.AddHostedService(sp => sp.GetRequiredService<McsdSync>());
        return services;
    }
}
