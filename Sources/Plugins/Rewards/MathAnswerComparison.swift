import Foundation

// Deciding whether two readings are the same answer. Numbers compare with a relative tolerance (integers exactly);
// expressions with variables compare symbolically by evaluating both at fixed sample points (a polynomial identity
// test: distinct simple expressions differ at generic points); tuples and intervals compare item by item with their
// brackets; sets ignore order.

/// Compares answer readings.
///
///     let same = MathAnswerComparator(tolerance: 1e-6)
///         .equal(MathAnswerNormalizer.values(of: "\\frac{1}{2}"), MathAnswerNormalizer.values(of: "0.5"))   // true
public struct MathAnswerComparator: Sendable {
    /// Relative tolerance for non-integer values.
    public var tolerance: Double

    public init(tolerance: Double) { self.tolerance = tolerance }

    /// Generic points for variables (the k-th variable takes `points[p][k % count]` in round p): irrational-looking
    /// values away from 0 and ±1, so poles and coincidences are unlikely.
    private static let points: [[Double]] = [
        [0.7134, 1.3719, 2.1187, 0.4321, 1.9043],
        [1.6180, 0.5772, 2.7183, 1.2599, 0.8813],
        [-0.9174, 2.4142, -1.7321, 3.1416, -0.3333],
    ]

    /// Whether any reading of `gold` equals any reading of `prediction`.
    public func equal(_ gold: [MathAnswerValue], _ prediction: [MathAnswerValue]) -> Bool {
        gold.contains { g in prediction.contains { p in equal(g, p) } }
    }

    public func equal(_ gold: MathAnswerValue, _ prediction: MathAnswerValue) -> Bool {
        switch (gold, prediction) {
        case let (.choice(a), .choice(b)):
            return a == b
        case let (.expression(a), .expression(b)):
            return equal(a, b)
        case let (.sequence(o1, a, c1), .sequence(o2, b, c2)):
            return o1 == o2 && c1 == c2 && a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case let (.set(a), .set(b)):
            return sameMembers(a, b)
        case let (.text(a), .text(b)):
            return a == b
        case let (.union(a), .union(b)):
            guard a.count == b.count, a.count <= 64 else { return false }
            var unused = Array(b.indices)
            for x in a {
                guard let match = unused.firstIndex(where: { equal(x, b[$0]) }) else { return false }
                unused.remove(at: match)
            }
            return true
        case let (.matrix(a), .matrix(b)):
            return a.count == b.count && zip(a, b).allSatisfy { r, s in
                r.count == s.count && zip(r, s).allSatisfy { equal($0, $1) }
            }
        default:
            return false
        }
    }

    /// Order-free comparison of two small lists (quadratic; lists longer than 64 items are refused).
    private func sameMembers(_ a: [MathExpression], _ b: [MathExpression]) -> Bool {
        guard a.count == b.count, a.count <= 64 else { return false }
        var unused = Array(b.indices)
        for x in a {
            guard let match = unused.firstIndex(where: { equal(x, b[$0]) }) else { return false }
            unused.remove(at: match)
        }
        return true
    }

    /// Equal values at every sample point (a single point when there are no variables).
    public func equal(_ a: MathExpression, _ b: MathExpression) -> Bool {
        if case .bigNumber(let x) = a, case .bigNumber(let y) = b { return x == y }
        if case .negate(.bigNumber(let x)) = a, case .negate(.bigNumber(let y)) = b { return x == y }
        let names = Array(Set(a.variables + b.variables)).sorted()
        guard names.count <= 8 else { return a == b }
        let rounds = names.isEmpty ? 1 : Self.points.count
        var compared = 0
        for round in 0..<rounds {
            var assignment: [String: Double] = [:]
            for (k, name) in names.enumerated() {
                assignment[name] = Self.points[round][k % Self.points[round].count]
            }
            guard let x = a.evaluate(assignment), let y = b.evaluate(assignment) else { return a == b }
            if x.isNaN && y.isNaN { continue }  // both undefined here (e.g. √ of a negative)
            guard close(x, y, integral: names.isEmpty && isIntegerLiteral(a) && isIntegerLiteral(b)) else { return false }
            compared += 1
        }
        return compared > 0
    }

    /// |x − y| ≤ tolerance · max(|x|, |y|); integers given as literals must match exactly.
    func close(_ x: Double, _ y: Double, integral: Bool) -> Bool {
        if x == y { return true }
        guard x.isFinite, y.isFinite else { return false }
        if integral { return false }
        return abs(x - y) <= tolerance * max(abs(x), abs(y))
    }

    /// A plain (possibly negated) integer literal.
    private func isIntegerLiteral(_ e: MathExpression) -> Bool {
        switch e {
        case .number(let x): return x == x.rounded()
        case .negate(let inner): return isIntegerLiteral(inner)
        default: return false
        }
    }
}
