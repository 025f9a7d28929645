using System.CommandLine;
using System.CommandLine.Parsing;

namespace Notify.Cli.Arguments;

/// <summary>For command validators that look at several options together.</summary>
public static class Given
{
    /// <summary>True when the option was on the command line (not only defaulted).</summary>
    public static bool Has(SymbolResult result, Option option) => result.GetResult(option) is { Implicit: false };

    /// <summary>
    /// The option's value, or default when it did not parse: its own error is already reported,
    /// and reading it would throw (System.CommandLine runs command validators after option errors).
    /// </summary>
    public static T? Value<T>(SymbolResult result, Option<T> option)
    {
        try
        {
            return result.GetValue(option);
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }
}
