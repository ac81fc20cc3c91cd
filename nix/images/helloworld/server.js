// The helloworld service of the Knative samples: answers every request with "Hello <TARGET>!".
const http = require('node:http');

const target = process.env.TARGET || 'World';
const port = Number(process.env.PORT || 8080);

const server = http.createServer((req, res) => {
  console.log(`helloworld: ${req.method} ${req.url}`);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`Hello ${target}!\n`);
});
server.listen(port, () => console.log(`helloworld: listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
