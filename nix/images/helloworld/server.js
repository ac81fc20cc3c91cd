// The helloworld service of the Knative samples: answers every request with "Hello <TARGET>!".
// `?sleep=MS` answers after MS milliseconds (at most 60 s), as Knative's autoscale sample does,
// so load tests can hold requests in flight.
const http = require('node:http');

const target = process.env.TARGET || 'World';
const port = Number(process.env.PORT || 8080);

const server = http.createServer((req, res) => {
  console.log(`helloworld: ${req.method} ${req.url}`);
  const sleep = Math.min(Number(new URL(req.url, 'http://x').searchParams.get('sleep')) || 0, 60000);
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`Hello ${target}!\n`);
  }, sleep);
});
server.listen(port, () => console.log(`helloworld: listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
