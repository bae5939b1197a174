using System.Globalization;
using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary>
/// Lets a TimeSpan parameter take a plain number of seconds (<c>-Timeout 5</c>, <c>-Timeout 0.5</c>) as well as
/// a TimeSpan or its text (<c>-Timeout 00:01:00</c>), as <c>Wait-Job -Timeout</c> users expect.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TimeoutTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject p ? p.BaseObject : inputData;
        TimeSpan result = value switch
        {
            TimeSpan t => t,
            int or long or short or byte or uint or ulong => TimeSpan.FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            double or float or decimal => TimeSpan.FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double secs) => TimeSpan.FromSeconds(secs),
            string s when TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out TimeSpan t) => t,
            _ => throw new ArgumentTransformationMetadataException(
                $"'{value}' is not a timeout: give seconds (5, 0.5) or a TimeSpan (00:01:00)."),
        };
        if (result <= TimeSpan.Zero)
            throw new ArgumentTransformationMetadataException($"The timeout must be positive; '{value}' is not.");
        return result;
    }
}
