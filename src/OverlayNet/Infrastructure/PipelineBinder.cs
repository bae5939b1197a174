using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Management.Automation;
using System.Reflection;

namespace OverlayNet.Commands;

/// <summary>
/// Binds one input object to a cmdlet's <see cref="PipelinePropertyAttribute"/> parameters, with PowerShell's
/// rules for by-property-name binding: the parameter's name or any alias names the property, a value given on
/// the command line is never overridden, and a parameter the input does not supply goes back to its value
/// before the first input. Unlike PowerShell it reads hashtable keys too, treats an empty string (an empty CSV
/// column) as absent, and reads "True"/"False" text into switches. A <see cref="Link"/> piped in fills only the
/// parameters marked <see cref="PipelinePropertyAttribute.FromLink"/> (the device's name, index, namespace).
/// </summary>
public sealed class PipelineBinder
{
    private sealed record Slot(PropertyInfo Property, string Name, string[] Names, Type Target, bool ByValue, bool Required, bool FromLink);

    private static readonly ConcurrentDictionary<Type, Slot[]> SlotsByType = new();

    private readonly Slot[] _slots;
    private readonly object?[] _defaults;
    private readonly bool[] _changed; // holds a value from an earlier input, to be put back when the next lacks it
    private readonly int _byValueIndex;
    // Property name or alias -> (slot, rank: 0 for the parameter's own name, then the aliases in order).
    private readonly Dictionary<string, (int Slot, int Rank)> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly object?[] _found;
    private readonly int[] _foundRank;
    private Slot? ByValueSlot => _byValueIndex < 0 ? null : _slots[_byValueIndex];

    /// <summary>
    /// Call in BeginProcessing, after the command line is bound and before any input is: parameters bound
    /// then are the command line's and stay as they are.
    /// </summary>
    public PipelineBinder(PSCmdlet cmdlet)
    {
        var bound = cmdlet.MyInvocation.BoundParameters;
        _slots = SlotsByType.GetOrAdd(cmdlet.GetType(), Discover).Where(s => !bound.ContainsKey(s.Name)).ToArray();
        _defaults = _slots.Select(s => s.Property.GetValue(cmdlet)).ToArray();
        _changed = new bool[_slots.Length];
        _byValueIndex = Array.FindIndex(_slots, s => s.ByValue);
        for (int i = 0; i < _slots.Length; i++)
        {
            for (int rank = 0; rank < _slots[i].Names.Length; rank++) _byName.TryAdd(_slots[i].Names[rank], (i, rank));
        }
        _found = new object?[_slots.Length];
        _foundRank = new int[_slots.Length];
    }

    /// <summary>
    /// Sets the parameters from <paramref name="input"/>. Throws <see cref="ArgumentException"/>, naming the
    /// property, when a value does not convert or a required one is missing; the cmdlet reports that input
    /// and goes on with the next.
    /// </summary>
    public void Bind(PSCmdlet cmdlet, PSObject input)
    {
        object baseObject = input.BaseObject;
        // A bare string is the by-value parameter (a prefix piped in): no property lookups at all, which keeps
        // `$prefixes | Add-IpRoute` at about a microsecond per input.
        bool bare = baseObject is string;
        if (bare && _byValueIndex < 0)
            throw new ArgumentException($"The input '{baseObject}' is a plain string, which binds to no parameter here; pipe objects whose properties are named like the parameters.");
        bool byValueSupplied = false;
        Slot? missing = null;
        // A hashtable's keys are read once; everything else (CSV rows, [pscustomobject] literals, typed objects)
        // is asked for each parameter name and alias in turn, as PowerShell's own binder does.
        bool scanned = !bare && ScanDictionary(baseObject);
        bool link = baseObject is Link;
        for (int i = 0; i < _slots.Length; i++)
        {
            Slot s = _slots[i];
            object? value = bare || (link && !s.FromLink) ? null : scanned ? _found[i] : Find(input, s.Names);
            if (value == null)
            {
                if (_changed[i])
                {
                    s.Property.SetValue(cmdlet, _defaults[i]);
                    _changed[i] = false;
                }
                if (s.Required && !s.ByValue) missing ??= s;
                continue;
            }
            s.Property.SetValue(cmdlet, Convert(s, value));
            _changed[i] = true;
            byValueSupplied |= s.ByValue;
        }
        if (ByValueSlot is Slot byValue && !byValueSupplied && baseObject is not PSCustomObject and not IDictionary)
        {
            // As PowerShell's by-value binding with coercion: a string, or anything that converts (an IpPrefix).
            byValue.Property.SetValue(cmdlet, Convert(byValue, baseObject));
            _changed[_byValueIndex] = true;
            byValueSupplied = true;
        }
        if (ByValueSlot is { Required: true } required && !byValueSupplied) missing ??= required;
        if (missing != null && link)
            throw new ArgumentException($"A link piped in gives only its name, index and namespace; give -{missing.Name} on the command line.");
        if (missing != null)
            throw new ArgumentException($"The input has no {string.Join(" or ", missing.Names)} property, and -{missing.Name} was not given on the command line.");
    }

    /// <summary>
    /// For a run with no input objects: stops the cmdlet, as a missing Mandatory parameter would, when a
    /// required parameter was not given on the command line.
    /// </summary>
    public void CheckCommandLine(PSCmdlet cmdlet)
    {
        if (_slots.FirstOrDefault(s => s.Required) is Slot missing)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(
                new ParameterBindingException($"Give -{missing.Name}, or pipe in objects with a {string.Join(" or ", missing.Names)} property."),
                "MissingRequiredParameter", ErrorCategory.InvalidArgument, null));
        }
    }

    /// <summary>
    /// Fills <see cref="_found"/> from a dictionary's entries (PowerShell shows no keys as properties); false for
    /// other objects.
    /// </summary>
    /// <remarks>
    /// A [pscustomobject]'s note properties are not enumerated (<c>input.Properties</c>): that builds the
    /// object's whole member table (adapted members, PSBase, PSObject...) for every input, and in a fresh
    /// session its not yet optimised code made it most of the first bulk pipeline's time (1.3 of 2.4 s for
    /// 20,000 FDB rows). Looking up the twenty-odd names and aliases costs about the same once warm, and a
    /// fraction of it in a fresh session. (Warm, a route row, with more names to miss, binds slower than by
    /// enumeration; switching to enumeration after the first 2,000 inputs brought the fresh-session cost back.)
    /// </remarks>
    private bool ScanDictionary(object baseObject)
    {
        if (baseObject is not IDictionary dictionary) return false;
        Array.Clear(_found);
        foreach (DictionaryEntry e in dictionary)
        {
            if (e.Key is string key) Offer(key, e.Value);
        }
        return true;
    }

    private void Offer(string name, object? value)
    {
        if (!_byName.TryGetValue(name, out var at) || Usable(value) is not object v) return;
        if (_found[at.Slot] == null || at.Rank < _foundRank[at.Slot])
        {
            _found[at.Slot] = v;
            _foundRank[at.Slot] = at.Rank;
        }
    }

    /// <summary>
    /// The first usable property among <paramref name="names"/> (the parameter's name, then its aliases): a
    /// note property of a row, or a typed object's property (Get-IpRoute output, a link), which PowerShell's
    /// adapter caches per type.
    /// </summary>
    private static object? Find(PSObject input, string[] names)
    {
        foreach (string n in names)
        {
            if (Usable(input.Properties[n]?.Value) is object v) return v;
        }
        return null;
    }

    private static object? Usable(object? value)
    {
        if (value is PSObject p) value = p.BaseObject;
        return value is null or string { Length: 0 } ? null : value;
    }

    private static object? Convert(Slot s, object value)
    {
        if (s.Target == typeof(SwitchParameter))
        {
            // Only a flag sets a switch: a Link's Master is its bridge's name and means "not set", so
            // Get-VxlanLink | Add-BridgeFdbEntry works whether or not the link is in a bridge.
            return value switch
            {
                bool b => new SwitchParameter(b),
                SwitchParameter sw => sw,
                string t when bool.TryParse(t, out bool b) => new SwitchParameter(b),
                _ => new SwitchParameter(false),
            };
        }
        if (s.Target.IsInstanceOfType(value)) return value;
        if (value is string text && s.Target == typeof(string[])) return new[] { text };
        try
        {
            // CSV cells and literals are text: parse the common targets directly. PowerShell's conversion
            // finds the same Parse methods but costs microseconds per value and, in a fresh session, its
            // JIT time is a good part of the first bulk pipeline.
            // What they cannot read (hex numbers, odd spellings) still goes to PowerShell's rules.
            if (value is string t && FromText.TryGetValue(s.Target, out Func<string, object?>? parse) && parse(t) is object parsed) return parsed;
            return LanguagePrimitives.ConvertTo(value, s.Target, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is PSInvalidCastException or InvalidCastException or FormatException or ArgumentException)
        {
            throw new ArgumentException($"Cannot bind the input's {s.Name} value '{value}' to -{s.Name}: {e.Message}", e);
        }
    }

    private static readonly Dictionary<Type, Func<string, object?>> FromText = new()
    {
        [typeof(MacAddress)] = t => MacAddress.TryParse(t.Trim(), out MacAddress m) ? m : null,
        [typeof(System.Net.IPAddress)] = t => System.Net.IPAddress.TryParse(t.Trim(), out System.Net.IPAddress? a) ? a : null,
        [typeof(int)] = t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : null,
        [typeof(uint)] = t => uint.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out uint u) ? u : null,
    };

    private static Slot[] Discover(Type cmdletType)
    {
        var slots = new List<Slot>();
        foreach (PropertyInfo p in cmdletType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<PipelinePropertyAttribute>() is not PipelinePropertyAttribute mine) continue;
            string[] aliases = p.GetCustomAttribute<AliasAttribute>()?.AliasNames.ToArray() ?? [];
            Type target = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            slots.Add(new Slot(p, p.Name, [p.Name, .. aliases], target, mine.ByValue, mine.Required, mine.FromLink));
        }
        return slots.ToArray();
    }
}
