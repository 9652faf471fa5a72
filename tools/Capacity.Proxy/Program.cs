using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

// The reverse proxy in front of several Capacity.Service instances. Everything it does is in
// appsettings.json (section ReverseProxy: routes and clusters; section Kestrel: its two
// listeners); instance addresses are overridden like any setting, e.g.
//   ReverseProxy__Clusters__grpc__Destinations__instance1__Address=http://capacity-1:5081
// or --ReverseProxy:Clusters:grpc:Destinations:instance1:Address=http://127.0.0.1:5183
// docs/ARCHITECTURE.md, "Scale-out", says why YARP and how it routes.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddReverseProxy()
    .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
    .AddTransforms(context =>
        // Names the instance that served the request (the destination id, e.g. "instance2") in a
        // response header: for whoever debugs the topology, and for the test that checks that
        // gRPC calls are spread over the instances. It tells a caller nothing it could misuse.
        context.AddResponseTransform(transform =>
        {
            var destination = transform.HttpContext.Features.Get<IReverseProxyFeature>()?.ProxiedDestination;
            if (destination is not null) transform.HttpContext.Response.Headers["capacity-instance"] = destination.DestinationId;
            return ValueTask.CompletedTask;
        }));

var app = builder.Build();
app.MapReverseProxy();
app.Run();
