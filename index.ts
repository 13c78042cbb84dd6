/**
 * The Pulumi program: one stack = one student's (team's, environment's) clickstream lakehouse.
 *
 *   EventSource (source bucket + generator Lambda) -> EtlPipeline (Glue job)
 *     -> MedallionLakehouse (analytics bucket + Glue catalog) -> QueryLayer (Athena)
 *
 * Configuration is validated before any resource is declared (components/config.ts), so a bad
 * studentId or setting never leaves half a stack behind. docs/deploy.md lists every key.
 */
import * as pulumi from '@pulumi/pulumi';
import { ConfigError, loadStackConfig } from './components/config';
import { deployLakehouse, stackOutputs } from './components/lakehouse-stack';

const config = loadStackConfig(new pulumi.Config(), pulumi.getStack());
const region = new pulumi.Config('aws').get('region');
if (region === undefined || region === '') {
  throw new ConfigError("config aws:region: expected an AWS region, e.g. 'pulumi config set aws:region us-west-2'");
}

const lakehouse = deployLakehouse(config, { region, projectName: pulumi.getProject(), stackName: pulumi.getStack() });

// ---------------------------------------------------------------------------------------------
// Plug-in point for the parts built in their own issues (wired by the lead):
//   - components/athena-validation*.ts: the validation resource runs its checks through
//     lakehouse.queryLayer.workgroupName against lakehouse.databases, after lakehouse.pipeline;
//   - components/dashboard.ts: the CloudWatch dashboard over lakehouse.pipeline.jobName,
//     lakehouse.pipeline.failureAlarm and the Lakehouse/ETL metrics.
// Create them with `{ providers: [lakehouse.provider] }` so they carry the common tags.
// ---------------------------------------------------------------------------------------------

const outputs = stackOutputs(lakehouse, region);
export const sourceBucketName = outputs.sourceBucketName;
export const analyticsBucketName = outputs.analyticsBucketName;
export const goldDatasetUri = outputs.goldDatasetUri;
export const queriesSqlUri = outputs.queriesSqlUri;
export const glueJobName = outputs.glueJobName;
export const athenaWorkgroup = outputs.athenaWorkgroup;
export const databases = outputs.databases;
export const generatorFunctionName = outputs.generatorFunctionName;
export const etlFailureTopicArn = outputs.etlFailureTopicArn;
export const consoleLinks = outputs.consoleLinks;
export const commands = outputs.commands;
