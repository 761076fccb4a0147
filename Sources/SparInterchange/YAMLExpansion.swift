import Yams

/// Bounds what a YAML document expands to. Aliases let a few hundred bytes stand for millions of values (each alias
/// of an alias multiplies), and decoding walks every one; a master-data file larger than this is refused before it
/// is decoded.
public enum YAMLExpansion {
    /// The most values (scalars, mappings, sequences, counted once per place they appear) a document may expand to.
    public static let maximumNodes = 200_000

    /// Why `text` expands beyond ``maximumNodes``, if it does; nil also when it is not YAML (the decoder says why).
    public static func problem(_ text: String) -> String? {
        guard let node = try? Yams.compose(yaml: text) else { return nil }
        var budget = maximumNodes
        guard fits(node, &budget) else {
            return "the document expands to more than \(maximumNodes) values (through YAML aliases); write it out"
        }
        return nil
    }

    static func fits(_ node: Node, _ budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .mapping(let m):
            for (k, v) in m where !fits(k, &budget) || !fits(v, &budget) { return false }
        case .sequence(let s):
            for v in s where !fits(v, &budget) { return false }
        default:
            break
        }
        return true
    }
}
