using System.Globalization;
using RulesGate.Cli;

// Same inputs, same bytes out, whatever the machine's locale.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
return await CliApp.RunAsync(args, Console.Out, Console.Error);
