using System.Globalization;
using System.Runtime.CompilerServices;

namespace RulesGate.Tests;

/// <summary>Tests run in the invariant culture, as the rulesgate command does, whatever the machine's locale.</summary>
internal static class InvariantCulture
{
    [ModuleInitializer]
    internal static void Pin() =>
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
}
