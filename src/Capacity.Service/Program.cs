using Capacity.Service.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddCapacityServices();

var app = builder.Build();
app.MapCapacityEndpoints();
app.Run();

/// <summary>Entry point; public so functional tests can host it with WebApplicationFactory.</summary>
public partial class Program;
