import t from 'tap';
import { awsRegion, envRegion, s3Endpoint } from '../src/aws.js';

// One resolution of the AWS region and endpoint for every tool: given, else the environment.
t.test('region: given, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1', async (t) => {
  const cases: Array<[string | undefined, NodeJS.ProcessEnv, string | undefined, string]> = [
    [undefined, {}, undefined, 'us-east-1'],
    [undefined, { AWS_DEFAULT_REGION: 'eu-west-1' }, 'eu-west-1', 'eu-west-1'],
    [undefined, { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-west-1' }, 'eu-central-1', 'eu-central-1'],
    ['ap-south-1', { AWS_REGION: 'eu-central-1' }, 'eu-central-1', 'ap-south-1'],
  ];
  for (const [given, env, fromEnv, region] of cases) {
    t.equal(envRegion(env), fromEnv, `envRegion ${JSON.stringify(env)}`);
    t.equal(awsRegion(given, env), region, `awsRegion ${given} ${JSON.stringify(env)}`);
  }
});

t.test('S3 endpoint: given, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS itself', async (t) => {
  t.equal(s3Endpoint(undefined, {}), undefined);
  t.equal(s3Endpoint(undefined, { AWS_ENDPOINT_URL: 'http://a' }), 'http://a');
  t.equal(s3Endpoint(undefined, { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_S3: 'http://s3' }), 'http://s3');
  t.equal(s3Endpoint('http://given', { AWS_ENDPOINT_URL_S3: 'http://s3' }), 'http://given');
});
