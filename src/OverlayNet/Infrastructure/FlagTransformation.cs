using System.Management.Automation;

namespace OverlayNet.Commands;

/// <summary>
/// For switch parameters bound by property name from objects whose property of that name is not a flag:
/// a Link's <c>Master</c> is the bridge's name (or null), a BridgeFdbEntry's <c>Master</c> is a bool. Booleans
/// and switches pass through; anything else (a name, null) means "not set" instead of a binding error, so
/// <c>Get-VxlanLink | Add-BridgeFdbEntry</c> works whether or not the link is in a bridge.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class FlagTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            bool b => new SwitchParameter(b),
            SwitchParameter s => s,
            _ => new SwitchParameter(false),
        };
    }
}
