#include "AwaitCommand.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <ostream>

#include "wasmesh/common/ValueParsers.h"

namespace wasmesh::app {
namespace {

namespace http = boost::beast::http;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr auto kTryTimeout = std::chrono::seconds(1);
constexpr auto kPause = std::chrono::milliseconds(100);

// One GET /ready: the status, or why there was none.
boost::asio::awaitable<std::string> askReady(const boost::asio::ip::tcp::endpoint& admin,
                                             unsigned& status) {
  boost::beast::tcp_stream stream(co_await boost::asio::this_coro::executor);
  stream.expires_after(kTryTimeout);
  auto [connectError] = co_await stream.async_connect(admin, kNoThrow);
  if (connectError)
    co_return "connect: " + connectError.message();
  http::request<http::empty_body> request{http::verb::get, "/ready", 11};
  request.set(http::field::host, formatSocketAddress(admin));
  request.keep_alive(false);
  auto [writeError, written] = co_await http::async_write(stream, request, kNoThrow);
  if (writeError)
    co_return "request: " + writeError.message();
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(4096);
  auto [readError, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (readError)
    co_return "response: " + readError.message();
  status = parser.get().result_int();
  co_return "HTTP " + std::to_string(status);
}

}  // namespace

void addAwaitOptions(CLI::App& command, AwaitOptions& options) {
  command.add_option("--admin", options.admin, "The proxy's admin address")->capture_default_str();
  command.add_option("--timeout", options.timeout, "Give up after this long")
      ->capture_default_str();
}

int runAwait(const AwaitOptions& options, std::ostream& err) {
  const auto admin = parseSocketAddress(options.admin);
  if (!admin) {
    err << "wasmesh await: --admin: \"" << options.admin << "\" " << admin.error().message()
        << "\n";
    return 2;
  }
  const auto timeout = parseDuration(options.timeout);
  if (!timeout) {
    err << "wasmesh await: --timeout: \"" << options.timeout << "\" " << timeout.error().message()
        << "\n";
    return 2;
  }
  boost::asio::io_context context{1};
  int exitStatus = 1;
  boost::asio::co_spawn(
      context,
      [&]() -> boost::asio::awaitable<void> {
        const auto deadline = std::chrono::steady_clock::now() + *timeout;
        boost::asio::steady_timer pause(context);
        std::string last = "no answer";
        while (std::chrono::steady_clock::now() < deadline) {
          unsigned status = 0;
          last = co_await askReady(*admin, status);
          if (status == 200) {
            exitStatus = 0;
            co_return;
          }
          pause.expires_after(kPause);
          co_await pause.async_wait(kNoThrow);
        }
        err << "wasmesh await: the proxy at " << options.admin << " was not ready within "
            << options.timeout << " (last: " << last << ")\n";
      },
      boost::asio::detached);
  context.run();
  return exitStatus;
}

}  // namespace wasmesh::app
