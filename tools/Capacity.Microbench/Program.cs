using BenchmarkDotNet.Running;

// dotnet run -c Release --project tools/Capacity.Microbench -- --filter '*'   (all)
// ... -- --filter '*' --job short                                             (quicker, less precise)
BenchmarkSwitcher.FromAssembly(typeof(Capacity.Microbench.MatchingBenchmarks).Assembly).Run(args);
