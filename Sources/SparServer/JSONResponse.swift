import Hummingbird
import SparInterchange

/// A JSON body (already rendered text) as a response.
struct JSONText: ResponseGenerator {
    var text: String
    var status: HTTPResponse.Status = .ok
    var contentType = "application/json"
    /// A file name to offer the download under (`Content-Disposition: attachment`).
    var attachment: String?

    init(
        _ text: String, status: HTTPResponse.Status = .ok, contentType: String = "application/json",
        attachment: String? = nil
    ) {
        self.text = text
        self.status = status
        self.contentType = contentType
        self.attachment = attachment
    }

    init(_ value: JSONValue, status: HTTPResponse.Status = .ok) {
        self.init(value.canonical, status: status)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response
    }

    var response: Response {
        let buffer = ByteBuffer(string: text)
        var headers: HTTPFields = [.contentType: contentType, .contentLength: String(buffer.readableBytes)]
        if let attachment { headers[.contentDisposition] = "attachment; filename=\"\(attachment)\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }
}

/// An HTML page as a response.
struct HTMLPage: ResponseGenerator {
    var html: String

    init(_ html: String) { self.html = html }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    var response: Response {
        let buffer = ByteBuffer(string: html)
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .contentLength: String(buffer.readableBytes)],
            body: .init(byteBuffer: buffer))
    }
}

/// HTML escaping for the few strings Spar writes outside templates (SVG labels, error pages).
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
