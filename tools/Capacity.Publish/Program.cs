namespace Capacity.Publish;

// A named class (not top-level statements): the service's tests reference this project, and a
// second global Program would clash with the service's in WebApplicationFactory<Program>.
static class Program
{
    static Task<int> Main(string[] args) =>
        Publisher.RunAsync(args, Console.OpenStandardInput(), Console.Out, Console.Error, Environment.GetEnvironmentVariable);
}
