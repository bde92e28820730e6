#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for download tests: one connection at a time, one request
// per connection, files served from memory, well or badly (a dropped connection, a lying or missing
// Content-Length, an endless body, a trickle, a stall). It runs on its own thread and stops itself
// after `lifetime` even if a test forgets it, never sends more than kMaxBodyBytes in one response,
// and stops sending as soon as the client hangs up, so a broken client cannot hang the suite.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fovea::testing {

class HttpServer {
 public:
  static constexpr int64_t kBodySize = -1, kNoLength = -2;
  static constexpr size_t kMaxBodyBytes = size_t{256} << 20;

  struct Response {
    int status = 404;
    std::vector<uint8_t> body;
    // Send the headers and then only this many body bytes before closing: a connection dropped
    // mid-transfer. Negative: send everything.
    int64_t cut_after = -1;
    // The Content-Length header: the body's size, none (the body ends when the server closes), or
    // any number, which may lie.
    int64_t content_length = kBodySize;
    // Send the body over and over until the client hangs up (with kNoLength: a body that never ends).
    bool repeat = false;
    // A trickle: `pace_bytes` at a time with `pace` between them. Zero: as fast as possible.
    std::chrono::milliseconds pace{0};
    size_t pace_bytes = 1;
    // A stall: once the body (or cut_after) is sent, keep the connection open and silent until the
    // client hangs up.
    bool hold = false;
  };
  // Maps a request path ("/good/train-labels-idx1-ubyte.gz") to its response.
  using Handler = std::function<Response(const std::string& path)>;

  explicit HttpServer(Handler handler, std::chrono::seconds lifetime = std::chrono::seconds(60))
      : handler_(std::move(handler)), deadline_(std::chrono::steady_clock::now() + lifetime) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("socket() failed");
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // an ephemeral port: parallel test runs never collide
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(listener_);
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~HttpServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::string url(const std::string& prefix = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + prefix;
  }
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  // Body bytes handed to the kernel for each request so far (some may never have been read).
  std::vector<uint64_t> bytes_sent() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sent_;
  }

 private:
  bool running() const { return !stop_ && std::chrono::steady_clock::now() < deadline_; }

  void serve() {
    while (running()) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      // Short send timeouts so a client that stops reading cannot block shutdown.
      timeval tv{0, 200000};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      handle(fd);
      ::close(fd);
    }
  }

  void handle(int fd) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && running()) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      request.append(buf, static_cast<size_t>(n));
    }
    // "GET /path HTTP/1.1"
    size_t sp1 = request.find(' '), sp2 = request.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return;
    std::string path = request.substr(sp1 + 1, sp2 - sp1 - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(path);
      sent_.push_back(0);
    }
    Response r = handler_(path);
    std::string head = "HTTP/1.1 " + std::to_string(r.status) + (r.status == 200 ? " OK" : " Error") +
                       "\r\nContent-Type: application/octet-stream\r\n";
    if (r.content_length != kNoLength)
      head += "Content-Length: " +
              std::to_string(r.content_length == kBodySize ? static_cast<int64_t>(r.body.size()) : r.content_length) +
              "\r\n";
    head += "Connection: close\r\n\r\n";
    if (!send_all(fd, reinterpret_cast<const uint8_t*>(head.data()), head.size())) return;
    if (send_body(fd, r) && r.hold)
      while (running() && !client_gone(fd, 50)) {
      }
  }

  // False once the client has hung up.
  bool send_body(int fd, const Response& r) {
    size_t total = r.repeat ? kMaxBodyBytes : std::min(r.body.size(), kMaxBodyBytes);
    if (r.cut_after >= 0) total = std::min(total, static_cast<size_t>(r.cut_after));
    const size_t step = r.pace.count() > 0 ? std::max<size_t>(1, r.pace_bytes) : size_t{64} << 10;
    for (size_t sent = 0; sent < total && !r.body.empty();) {
      const size_t offset = sent % r.body.size();
      const size_t n = std::min({step, total - sent, r.body.size() - offset});
      if (!send_all(fd, r.body.data() + offset, n)) return false;
      sent += n;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        sent_.back() = sent;
      }
      if (r.pace.count() > 0 && client_gone(fd, static_cast<int>(r.pace.count()))) return false;
    }
    return true;
  }

  // Waits up to `timeout_ms` for the client to hang up. The client sends nothing after its request
  // (Connection: close), so anything readable is the end of the connection.
  bool client_gone(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return !running();
    char byte;
    return ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0 || !running();
  }

  bool send_all(int fd, const uint8_t* data, size_t size) {
    while (size > 0 && running()) {
      ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);  // a client that hangs up is no crash
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return size == 0;
  }

  Handler handler_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> stop_{false};
  int listener_ = -1;
  uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::vector<uint64_t> sent_;
  std::thread thread_;
};

}  // namespace fovea::testing
