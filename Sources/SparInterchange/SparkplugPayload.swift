import Foundation
import SparCore
import SwiftProtobuf

/// A Sparkplug B payload read from its protobuf bytes: what Spar uses of it.
public struct SparkplugPayload: Hashable, Sendable {
    /// When the message was published, milliseconds since the epoch (unchecked; see ``SparkplugPayload/time(_:_:)``).
    public var timestamp: UInt64?
    /// The edge node's message sequence number (0–255; absent on NDEATH, NCMD, DCMD).
    public var seq: UInt64?
    public var metrics: [SparkplugMetric]

    public init(timestamp: UInt64? = nil, seq: UInt64? = nil, metrics: [SparkplugMetric] = []) {
        self.timestamp = timestamp
        self.seq = seq
        self.metrics = metrics
    }

    /// Decodes the protobuf bytes of a Sparkplug B payload, or says why they are not one.
    public init(decoding bytes: [UInt8]) throws(SparkplugRejection) {
        let message: Org_Eclipse_Tahu_Protobuf_Payload
        do {
            message = try Org_Eclipse_Tahu_Protobuf_Payload(serializedBytes: bytes)
        } catch {
            throw SparkplugRejection(
                "the payload (\(bytes.count) bytes) is not a Sparkplug B protobuf payload: \(Self.describe(error))")
        }
        self.init(message)
    }

    init(_ m: Org_Eclipse_Tahu_Protobuf_Payload) {
        timestamp = m.hasTimestamp ? m.timestamp : nil
        seq = m.hasSeq ? m.seq : nil
        metrics = m.metrics.map(SparkplugMetric.init)
    }

    static func describe(_ error: any Error) -> String {
        switch error as? BinaryDecodingError {
        case .truncated?: "it ends inside a field"
        case .malformedProtobuf?: "malformed protobuf"
        case .invalidUTF8?: "a string field is not UTF-8"
        case .missingRequiredFields?: "required fields are missing"
        case .messageDepthLimit?: "nested too deeply"
        default: "\(error)"
        }
    }

    /// Times at or above this are read as milliseconds since the epoch (1973-03-03T09:46:40Z); below, a time is
    /// plausibly seconds (as seconds it would be the year 5138) and is refused.
    public static let smallestMilliseconds: UInt64 = 100_000_000_000

    /// A Sparkplug time (milliseconds since the epoch) as a Spar timestamp, or why it is refused: plausibly seconds,
    /// or beyond the year 9999 (plausibly microseconds).
    public static func time(_ raw: UInt64, _ what: String) -> Result<Timestamp, SparkplugRejection> {
        if raw < smallestMilliseconds {
            let asSeconds =
                raw <= UInt64(Int64.max / 1000) ? " (as seconds, \(Timestamp(seconds: Int64(raw)).rfc3339))" : ""
            return .failure(
                SparkplugRejection(
                    "\(what) \(raw) is plausibly seconds\(asSeconds), not milliseconds since the epoch as Sparkplug B requires"
                ))
        }
        guard raw <= UInt64(Timestamp.representable.upperBound.milliseconds) else {
            return .failure(
                SparkplugRejection(
                    "\(what) \(raw) is beyond the year 9999 in milliseconds since the epoch (plausibly microseconds)"))
        }
        return .success(Timestamp(milliseconds: Int64(raw)))
    }
}

/// One metric of a Sparkplug B payload.
public struct SparkplugMetric: Hashable, Sendable {
    /// Present on births; data messages may carry only the ``alias``.
    public var name: String?
    public var alias: UInt64?
    /// When the value was captured, milliseconds since the epoch (unchecked).
    public var timestamp: UInt64?
    /// The Sparkplug DataType number (given on births; data messages may leave it out).
    public var dataType: UInt32?
    public var isHistorical: Bool
    public var isNull: Bool
    public var value: SparkplugValue?

    public init(
        name: String? = nil, alias: UInt64? = nil, timestamp: UInt64? = nil, dataType: UInt32? = nil,
        isHistorical: Bool = false, isNull: Bool = false, value: SparkplugValue? = nil
    ) {
        self.name = name
        self.alias = alias
        self.timestamp = timestamp
        self.dataType = dataType
        self.isHistorical = isHistorical
        self.isNull = isNull
        self.value = value
    }

    init(_ m: Org_Eclipse_Tahu_Protobuf_Payload.Metric) {
        name = m.hasName ? m.name : nil
        alias = m.hasAlias ? m.alias : nil
        timestamp = m.hasTimestamp ? m.timestamp : nil
        dataType = m.hasDatatype ? m.datatype : nil
        isHistorical = m.isHistorical
        isNull = m.isNull
        value =
            switch m.value {
            case .intValue(let v)?: .int(v)
            case .longValue(let v)?: .long(v)
            case .floatValue(let v)?: .float(v)
            case .doubleValue(let v)?: .double(v)
            case .booleanValue(let v)?: .boolean(v)
            case .stringValue(let v)?: .string(v)
            case .bytesValue(let v)?: .bytes([UInt8](v))
            case .datasetValue?: .dataSet
            case .templateValue?: .template
            case .extensionValue?: .extension
            case nil: nil
            }
    }
}

/// A metric's value as it is on the wire (the `value` oneof); ``SparkplugValue/number(as:)`` and
/// ``SparkplugValue/text(as:)`` read it by its DataType.
public enum SparkplugValue: Hashable, Sendable {
    /// `int_value`: Int8, Int16, Int32 (two's complement), UInt8, UInt16, UInt32.
    case int(UInt32)
    /// `long_value`: Int64 (two's complement), UInt64, DateTime.
    case long(UInt64)
    case float(Float)
    case double(Double)
    case boolean(Bool)
    case string(String)
    case bytes([UInt8])
    case dataSet
    case template
    case `extension`

    static let signed32: Set<UInt32> = [1, 2, 3]
    static let signed64: UInt32 = 4

    /// The value as a number, integers read as signed when `dataType` is Int8–Int64; nil for non-numbers.
    public func number(as dataType: UInt32?) -> Double? {
        switch self {
        case .int(let v): dataType.map { Self.signed32.contains($0) } == true ? Double(Int32(bitPattern: v)) : Double(v)
        case .long(let v): dataType == Self.signed64 ? Double(Int64(bitPattern: v)) : Double(v)
        case .float(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }

    /// The value as the text a state mapping is keyed by: `true`/`false`, a decimal integer, the shortest decimal of
    /// a float, or the string itself; nil for bytes, data sets and templates.
    public func text(as dataType: UInt32?) -> String? {
        switch self {
        case .int(let v): dataType.map { Self.signed32.contains($0) } == true ? String(Int32(bitPattern: v)) : String(v)
        case .long(let v): dataType == Self.signed64 ? String(Int64(bitPattern: v)) : String(v)
        case .float(let v): v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
        case .double(let v): v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
        case .boolean(let v): v ? "true" : "false"
        case .string(let v): v
        case .bytes, .dataSet, .template, .extension: nil
        }
    }
}
